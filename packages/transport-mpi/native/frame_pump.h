// The frame pump: every message that moves on the channels, in both directions. It starts
// the sends JavaScript queued (frames, byes, dying notices, a worker's final), matches
// incoming head messages (through Receiver) and control messages, tests every request in
// flight (sends, data receives, collectives, control sends), and reports completions.
#pragma once

#include <type_traits>

#include "channels.h"
#include "command_queue.h"
#include "completions.h"
#include "receiver.h"
#include "request_set.h"
#include "wire.h"

namespace fmpi {

/** Who acts on control messages (the ProgressThread): called by FramePump::Poll as each one arrives. */
class ControlHandler {
 public:
  /** Returns true when polling must stop at once (this process is being ended). */
  virtual bool OnControl(Channel& channel, int source, const ControlMsg& msg) = 0;

 protected:
  ~ControlHandler() = default;
};

class FramePump {
 public:
  FramePump(ChannelTable& channels, Completions& out, RequestSet& reqs, ControlHandler& control)
      : channels_(channels), out_(out), reqs_(reqs), control_(control), receiver_(reqs, out) {}
  FramePump(const FramePump&) = delete;
  FramePump& operator=(const FramePump&) = delete;

  // Everything below runs on the progress thread; never touch V8 here.
  /** Starts a kSend command: the head message, then the data messages (chunked). */
  void Send(Command& c);
  /** Starts a kCollective command (kCollectiveDone reports it). */
  void StartCollective(const Command& c);
  /** A worker's last message on a channel (kFlagFinal), its answer to kTerminate. */
  void SendFinal(Channel& channel);
  /** Receives what waits on every channel (heads, then control messages); true when anything moved. */
  bool Poll(double now);
  /** Tests every request in flight; true when anything but a control send completed. */
  bool TestRequests();
  /** Dying: waits (bounded) until the sends in flight, the dying notice among them, have left. */
  void FlushSends(double seconds);

  /** Whether data is moving (MPI then needs this thread to keep calling it). */
  bool moving() const { return receiver_.inflight() + outgoing_inflight_ + collectives_inflight_ > 0; }
  /** JavaScript sent a dying notice: the process is exiting, MPI cannot end cleanly. */
  bool dying() const { return dying_; }
  /** Finals and dying notices received (in order after their frames). */
  Receiver& receiver() { return receiver_; }

 private:
  ChannelTable& channels_;
  Completions& out_;
  RequestSet& reqs_;
  ControlHandler& control_;
  Receiver receiver_;
  int outgoing_inflight_ = 0;     // frames with sends in flight
  int collectives_inflight_ = 0;  // nonblocking collectives in flight
  bool dying_ = false;
};

// Part of the ProgressThread; its receiver's frames are request owners: never copied or moved.
static_assert(!std::is_copy_constructible_v<FramePump> && !std::is_move_constructible_v<FramePump>);

}  // namespace fmpi
