// Incoming frames: matching head messages, posting their data receives, and handing whole
// frames to Completions in the order each peer sent them. Progress thread only.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "completions.h"
#include "links.h"
#include "request_set.h"

namespace fmpi {

struct IncomingFrame {
  Event event{EventKind::kFrame};
  int pending = 0;  // data receives not yet complete
  bool failed = false;
  bool final = false;  // a worker's last message (kFlagFinal), not for JavaScript
  bool dying = false;  // a worker's notice that it is about to die (kFlagDying): the reason is the head
};

class Receiver {
 public:
  Receiver(RequestSet& reqs, Completions& out) : reqs_(reqs), out_(out) {}

  /** Receives the head messages waiting on `link` (a bounded number) and posts their data receives. */
  int PollHeads(Link& link, double now);
  /** A data receive of `f` completed. */
  void OnData(IncomingFrame* f, int error);
  /** Frames whose data is still arriving (the progress thread must keep driving MPI meanwhile). */
  int inflight() const { return inflight_; }
  /** (link, rank) pairs whose kFlagFinal arrived (in order after their frames) since the last call. */
  std::vector<std::pair<int, int>> TakeFinals() { return std::move(finals_); }
  /** A peer's dying notice, in order after its frames: (link, rank) and the reason it gave. */
  struct Dying {
    int link;
    int rank;
    std::string why;
  };
  /** Dying notices that arrived since the last call. */
  std::vector<Dying> TakeDyings() { return std::move(dyings_); }

 private:
  void PostData(Link& link, IncomingFrame* f, uint8_t* ptr, uint64_t len);
  void DeliverReady(int link, int source);

  RequestSet& reqs_;
  Completions& out_;
  int inflight_ = 0;
  std::vector<std::pair<int, int>> finals_;
  std::vector<Dying> dyings_;
  /** Per (link, source rank): frames in arrival order; delivered only from the front. */
  std::map<std::pair<int, int>, std::deque<std::unique_ptr<IncomingFrame>>> fifos_;
};

}  // namespace fmpi
