// What the progress thread knows of its peers and how it watches them: hellos, control
// messages out, heartbeats, and liveness (a pid watch on this host, the heartbeat timeout
// elsewhere, with HostDoubts deciding how a job across hosts ends).
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>

#include "channels.h"
#include "completions.h"
#include "engine_options.h"
#include "host_doubts.h"
#include "request_set.h"
#include "wire.h"

namespace fmpi {

/**
 * Seconds Open MPI takes at most to notice a daemon's link failed, where the job set its oob
 * TCP keepalive (`--mca oob_tcp_keepalive_time/intvl/probes`): time + intvl x probes + 2;
 * 0 when unset.
 */
double LauncherLifelineSeconds();

/** Ends the whole job from this process (MPI_Abort), then exits; bounded (5 s). Progress thread only. */
[[noreturn]] void AbortJob();

class PeerWatch {
 public:
  PeerWatch(ChannelTable& channels, Completions& out, RequestSet& reqs, HostDoubts& doubts, const EngineOptions& opts)
      : channels_(channels), out_(out), reqs_(reqs), doubts_(doubts), opts_(opts) {}
  PeerWatch(const PeerWatch&) = delete;
  PeerWatch& operator=(const PeerWatch&) = delete;

  // Everything below runs on the progress thread; never touch V8 here.
  /** Once MPI is initialized: what this process tells its peers in every control message. */
  void Init();
  void SendControl(Channel& channel, int dest, Ctrl kind, uint32_t session, uint64_t a, uint64_t b);
  /** Says hello to every worker and controller of a channel just opened. */
  void HelloAll(Channel& channel);
  /** A peer's hello (pid, host, daemon contact): reported to JavaScript as kHello. */
  void OnHello(Channel& channel, int source, const ControlMsg& msg);
  /** Static server: the controller is exiting with a rank lost, so its silence from now on is no death. */
  void ControllerAbandoned() { controller_abandoned_ = true; }

  /**
   * Housekeeping, first step: after this thread was blocked (a spawn, a ping-pong, a
   * disconnect), nobody could be heard meanwhile, so that time is not counted against the
   * peers' heartbeats. Returns how long it was blocked.
   */
  double AccountBlocked(double now);
  /** Whether a heartbeat is due now (then counted as sent). */
  bool BeatDue(double now);
  /** Beats to whoever waits for this process's beats, and marks silent or exited peers lost. */
  void Watch(double now, bool beat);
  /** When housekeeping last ran (seconds). */
  double last_housekeeping() const { return last_housekeeping_; }

  /** Reports (channel, rank) lost (kRankLost) and poisons the channel; by_heartbeat: lost by its silence, not seen to exit. */
  void MarkLost(Channel& channel, int rank, const std::string& why, bool by_heartbeat = false);
  /** A worker not lost, heard within the heartbeat timeout (on a channel whose loss checks stopped). */
  bool StillHeard(const Peer& p, double now) const {
    return p.is_worker && !p.lost && (opts_.heartbeat_timeout_s <= 0 || now - p.last_seen <= opts_.heartbeat_timeout_s);
  }

 private:
  /** A worker channel: beats to its controller and watches it (which may end this process). */
  void WatchController(Channel& channel, int rank, double now, bool beat);

  ChannelTable& channels_;
  Completions& out_;
  RequestSet& reqs_;
  HostDoubts& doubts_;
  const EngineOptions& opts_;
  std::string host_key_;
  std::string daemon_contact_;  // LocalDaemonContact(): sent in every control message
  bool controller_abandoned_ = false;  // static server: the controller exits with a rank lost (kTerminateAbandon)
  double last_housekeeping_ = 0;
  double last_heartbeat_ = 0;
};

// Part of the ProgressThread, referenced by its siblings: never copied or moved.
static_assert(!std::is_copy_constructible_v<PeerWatch> && !std::is_move_constructible_v<PeerWatch>);

}  // namespace fmpi
