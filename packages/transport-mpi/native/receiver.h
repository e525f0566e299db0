// Incoming frames: matching head messages, posting their data receives, and handing whole
// frames to Completions in the order each peer sent them. Progress thread only.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "completions.h"
#include "channels.h"
#include "request_set.h"

namespace fmpi {

struct IncomingFrame {
  Event event{EventKind::kFrame};
  int pending = 0;  // data receives not yet complete
  bool failed = false;
  bool final = false;  // a worker's last message (kFlagFinal), not for JavaScript
  bool dying = false;  // a worker's notice that it is about to die (kFlagDying): the reason is the head
};

// Owns its Event (pool blocks): lives behind a unique_ptr in a fifo, and its address is a
// request's owner while data arrives: never copied.
static_assert(!std::is_copy_constructible_v<IncomingFrame> && !std::is_copy_assignable_v<IncomingFrame>);

class Receiver {
 public:
  Receiver(RequestSet& reqs, Completions& out) : reqs_(reqs), out_(out) {}

  /** Receives the head messages waiting on `channel` (a bounded number) and posts their data receives. */
  int PollHeads(Channel& channel, double now);
  /** A data receive of `f` completed. */
  void OnData(IncomingFrame* f, int error);
  /** Frames whose data is still arriving (the progress thread must keep driving MPI meanwhile). */
  int inflight() const { return inflight_; }
  /** (channel, rank) pairs whose kFlagFinal arrived (in order after their frames) since the last call. */
  std::vector<std::pair<int, int>> TakeFinals() { return std::move(finals_); }
  /** A peer's dying notice, in order after its frames: (channel, rank) and the reason it gave. */
  struct Dying {
    int channel;
    int rank;
    std::string why;
  };
  /** Dying notices that arrived since the last call. */
  std::vector<Dying> TakeDyings() { return std::move(dyings_); }

 private:
  void PostData(Channel& channel, IncomingFrame* f, uint8_t* ptr, uint64_t len);
  void DeliverReady(int channel, int source);

  RequestSet& reqs_;
  Completions& out_;
  int inflight_ = 0;
  std::vector<std::pair<int, int>> finals_;
  std::vector<Dying> dyings_;
  /** Per (channel, source rank): frames in arrival order; delivered only from the front. */
  std::map<std::pair<int, int>, std::deque<std::unique_ptr<IncomingFrame>>> fifos_;
};

}  // namespace fmpi
