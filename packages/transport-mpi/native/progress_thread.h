// The progress thread: the only thread that ever calls MPI in this process.
//
// It initializes MPI (MPI_THREAD_FUNNELED: this thread is the one MPI thread), takes the
// commands JavaScript queued, and runs its loop over the parts it owns: the frame pump
// (sends, receives, requests in flight: frame_pump.h), the channels' lives (open, close,
// the orderly end: channel_lifecycle.h), the watch over peers (hellos, heartbeats,
// liveness: peer_watch.h) and the host doubts after a rank went silent (host_doubts.h). It
// reports through Completions. When nothing happens it spins briefly, then sleeps with an
// exponential backoff up to `backoff_max_us` (a queued command wakes it at once). It never
// touches V8: JavaScript values exist only on the other side of CommandQueue (inbound) and
// Completions (outbound).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <type_traits>

#include "channel_lifecycle.h"
#include "channels.h"
#include "command_queue.h"
#include "completions.h"
#include "engine_options.h"
#include "frame_pump.h"
#include "host_doubts.h"
#include "peer_watch.h"
#include "request_set.h"
#include "wire.h"

namespace fmpi {

class ProgressThread final : private ControlHandler {
 public:
  ProgressThread(Completions& out, EngineOptions opts)
      : out_(out),
        opts_(opts),
        doubts_(channels_, opts_),
        peers_(channels_, out, reqs_, doubts_, opts_),
        pump_(channels_, out, reqs_, *this),
        lifecycle_(channels_, out, peers_, pump_) {}
  ~ProgressThread();
  ProgressThread(const ProgressThread&) = delete;
  ProgressThread& operator=(const ProgressThread&) = delete;

  // The thread boundary: the public methods run on the JavaScript thread (or any thread,
  // where they say so); only atomics, the command queue and the end handshake cross it.
  /** JavaScript thread: starts the thread (which initializes MPI and reports kReady). */
  void Start();
  /** JavaScript thread: the queue commands go through. */
  CommandQueue& commands() { return commands_; }
  /** Any thread: the backoff cap, in microseconds. */
  void SetBackoff(double max_us) { backoff_max_us_.store(max_us); }
  /**
   * JavaScript thread: whether JavaScript expects nothing (no task outstanding, no request
   * pending). A controller that expects nothing sleeps long: its next command wakes it.
   */
  void SetIdle(bool idle) {
    js_idle_.store(idle);
    if (!idle) commands_.Wake();
  }
  /**
   * JavaScript thread: the orderly end (terminate and disconnect the workers of controller
   * channels, MPI_Finalize unless a peer died), waiting at most `timeout`. Returns false when
   * the thread did not end in time (it is then left behind, detached).
   */
  bool Shutdown(std::chrono::milliseconds timeout);
  bool started() const { return started_; }
  /** Any thread: see Doubt (host_doubts.h). */
  Doubt HostsInDoubt() const { return doubts_.verdict(); }

 private:
  // Everything below runs on the progress thread. Never touch V8 here.
  void Run();
  bool InitMpi();
  bool RunCommands();
  void Execute(Command& c);
  void PingPong(const Command& c);
  bool OnControl(Channel& channel, int source, const ControlMsg& msg) override;
  void Housekeeping(double now);
  void Backoff(bool progress, double now);
  /** Whether this process serves a channel (tasks then arrive without a command to wake us). */
  bool Serving();
  /** After the loop: a controller ended this worker process; exit unless JavaScript does first. */
  void AwaitTerminateGrace();

  Completions& out_;
  const EngineOptions opts_;
  std::atomic<double> backoff_max_us_{1000};
  std::atomic<bool> js_idle_{true};
  CommandQueue commands_;
  RequestSet reqs_;
  ChannelTable channels_;
  HostDoubts doubts_;
  PeerWatch peers_;
  FramePump pump_;
  ChannelLifecycle lifecycle_;
  bool self_terminate_ = false;  // a process-owned worker channel was terminated by its controller
  double idle_since_ = 0;
  double sleep_us_ = 0;

  std::thread thread_;
  bool started_ = false;
  std::atomic<bool> stop_requested_{false};
  std::mutex end_mu_;
  std::condition_variable end_cv_;
  bool ended_ = false;
};

// Owned by the addon through a unique_ptr; its thread holds `this`: never copied or moved.
static_assert(!std::is_copy_constructible_v<ProgressThread> && !std::is_move_constructible_v<ProgressThread>);

}  // namespace fmpi
