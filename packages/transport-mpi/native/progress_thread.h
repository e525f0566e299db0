// The progress thread: the only thread that ever calls MPI in this process.
//
// It initializes MPI (MPI_THREAD_FUNNELED: this thread is the one MPI thread), takes the
// commands JavaScript queued (sends, spawns, links, collectives), matches and receives
// incoming frames, tests every request in flight, watches its peers (hello, heartbeats,
// liveness), and reports through Completions. When nothing happens it spins briefly, then
// sleeps with an exponential backoff up to `backoff_max_us` (a queued command wakes it at
// once). It never touches V8: JavaScript values exist only on the other side of
// CommandQueue (inbound) and Completions (outbound).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "command_queue.h"
#include "completions.h"
#include "links.h"
#include "reachability.h"
#include "receiver.h"
#include "request_set.h"
#include "wire.h"

namespace fmpi {

struct EngineOptions {
  double backoff_max_us = 1000;       // longest sleep while work is expected
  double deep_idle_after_s = 1.0;     // after this long without any activity ...
  double deep_idle_us = 10000;        // ... sleep up to this long
  double parked_us = 100000;          // a controller JavaScript expects nothing of (woken by commands)
  double spin_us = 250;               // busy polling (yielding) after the last activity, before sleeping
  double nap_us = 50;                 // then short sleeps ...
  double nap_window_us = 1000;        // ... for this long, then doubling sleeps up to the cap
  double heartbeat_interval_s = 1.0;  // worker -> controller
  double heartbeat_timeout_s = 30.0;  // a worker silent this long is lost (0: never)
  double terminate_grace_s = 3.0;     // a terminated worker process exits by itself after this
};

/**
 * Seconds Open MPI takes at most to notice a daemon's link failed, where the job set its oob
 * TCP keepalive (`--mca oob_tcp_keepalive_time/intvl/probes`): time + intvl x probes + 2;
 * 0 when unset.
 */
double LauncherLifelineSeconds();

/** Ends the whole job from this process (MPI_Abort), then exits; bounded (5 s). Progress thread only. */
[[noreturn]] void AbortJob();

/** HostsInDoubt(): whether this process may exit at once after a rank was lost by heartbeat. */
enum class Doubt : int {
  kNone = 0,     // no rank lost by heartbeat, or every such rank's host was seen reachable
  kPending = 1,  // still looking (at most 2 heartbeat intervals + 1.5 s after the loss)
  kUnknown = 2,  // some such host gave no sign of life: it may be cut off
};

class ProgressThread {
 public:
  ProgressThread(Completions& out, EngineOptions opts) : out_(out), opts_(opts), receiver_(reqs_, out) {}
  ~ProgressThread();

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
   * links, MPI_Finalize unless a peer died), waiting at most `timeout`. Returns false when
   * the thread did not end in time (it is then left behind, detached).
   */
  bool Shutdown(std::chrono::milliseconds timeout);
  bool started() const { return started_; }
  /** Any thread: see Doubt. */
  Doubt HostsInDoubt() const { return static_cast<Doubt>(doubt_.load()); }

 private:
  // Everything below runs on the progress thread. Never touch V8 here.
  void Run();
  bool InitMpi();
  bool RunCommands();
  void Execute(Command& c);
  void DoSend(Command& c);
  void DoSpawn(Command& c);
  void DoOpenWorld(Command& c);
  void DoOpenComm(Command& c);
  void DoCloseLink(Command& c);
  void DoCollective(Command& c);
  void DoPingPong(Command& c);
  bool PollLinks(double now);
  void HandleControl(Link& link, int source, const ControlMsg& msg);
  bool TestRequests();
  void Housekeeping(double now);
  void Teardown();
  void SendControl(Link& link, int dest, Ctrl kind, uint32_t session, uint64_t a, uint64_t b);
  void HelloAll(Link& link);
  void MarkLost(Link& link, int rank, const std::string& why, bool silent = false);
  /** A peer on another host went silent: is its host still reachable? Starts looking; the verdict so far. */
  Doubt DoubtHost(const Peer& p, double now);
  void UpdateDoubts(double now, double blocked);
  void EndLink(Link& link, bool terminate_workers);
  /** A worker not lost, heard within the heartbeat timeout (on a link whose loss checks stopped). */
  bool StillHeard(const Peer& p, double now) const {
    return p.is_worker && !p.lost && (opts_.heartbeat_timeout_s <= 0 || now - p.last_seen <= opts_.heartbeat_timeout_s);
  }
  /** Exiting with a rank lost: tells a static link's servers left that this rank is ending (bounded). */
  void AbandonServers(Link& link);
  void SendFinal(Link& link);
  void OnFinals();
  void OnDyings();
  /** Dying: wait (bounded) until the sends in flight, the dying notice among them, have left. */
  void FlushSends(double seconds);
  void FinishClose(Link& link, bool abandon);
  void LinkOpened(Link* link, double ticket, double a, double b);
  void Backoff(bool progress, double now);
  /** Whether this process serves a link (tasks then arrive without a command to wake us). */
  bool Serving();

  Completions& out_;
  EngineOptions opts_;
  std::atomic<double> backoff_max_us_{1000};
  std::atomic<bool> js_idle_{true};
  CommandQueue commands_;
  RequestSet reqs_;
  Receiver receiver_;
  LinkTable links_;
  std::string host_key_;
  std::string daemon_contact_;  // LocalDaemonContact(): sent in every control message
  /** A host one of whose ranks went silent: reachable, or maybe cut off (progress_reach.cc). */
  struct HostDoubt {
    std::string host;                    // the silent rank's host key
    double silent_since = 0;             // the silent rank's last message
    double evidence_after = 0;           // another rank of that host heard after this: reachable
    double decide_by = 0;                // no sign of life by then: unknown
    std::unique_ptr<ReachProbe> probe;   // a connect to its Open MPI daemon, where known
    Doubt verdict = Doubt::kPending;     // kNone here means reachable
  };
  std::vector<HostDoubt> doubts_;
  std::atomic<int> doubt_{static_cast<int>(Doubt::kNone)};
  int world_rank_ = 0;
  int world_size_ = 1;
  bool self_terminate_ = false;
  bool controller_abandoned_ = false;  // static server: the controller exits with a rank lost (kTerminateAbandon)
  bool dying_ = false;  // JavaScript sent a dying notice: the process is exiting, MPI cannot end cleanly
  int outgoing_inflight_ = 0;    // frames with sends in flight
  int collectives_inflight_ = 0;  // nonblocking collectives in flight  // a process-owned worker link was terminated by its controller
  double idle_since_ = 0;
  double sleep_us_ = 0;
  double last_housekeeping_ = 0;
  double last_heartbeat_ = 0;

  std::thread thread_;
  bool started_ = false;
  std::atomic<bool> stop_requested_{false};
  std::mutex end_mu_;
  std::condition_variable end_cv_;
  bool ended_ = false;
};

}  // namespace fmpi
