// ProgressThread: after a rank on another host went silent, is its host still reachable?
//
// Why it matters: a rank lost by heartbeat was either killed (its host is fine) or cut off
// (cable, switch, power). Either way the job must end, and Open MPI 4 ends it when a rank
// exits without MPI_Finalize. After a cut, exiting at once makes a daemon write to the dead
// link, and a TCP socket with unacknowledged data sends no keepalives: Open MPI would never
// notice the lost daemon and the job would hang (~15 min, until TCP gives up). So a process
// that lost a rank this way waits for Open MPI's keepalive (LauncherLifelineSeconds) before
// it exits, unless it sees that the rank's host still answers: then the rank died, its
// daemon is reachable, and Open MPI ends the job at once. Two signs of life count:
//   - another rank on the same host is still heard from (its heartbeats go on), sent after
//     the silent rank's last message + 2 heartbeat intervals: after a cut nothing of that
//     host arrives that late (its ranks beat once per interval, and fell silent together);
//   - a TCP connection to that host's Open MPI daemon is accepted (ReachProbe): the very
//     daemon Open MPI must reach to end the job (where mpiexec runs on this host, as usual).
// Nothing else does (no answer, refused, unreachable): then the process waits, as before.
// Progress thread only: never touch V8 here.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "progress_thread.h"

namespace fmpi {

namespace {
/** How long a connect to the daemon may take (a LAN answers in milliseconds; a SYN is resent after 1 s). */
constexpr double kProbeTimeoutS = 2.0;

/** FUTURES_MPI_REACHABILITY=peers|probe|none: which signs of life count (both by default; for tests and experiments). */
bool Allowed(const char* which) {
  const char* v = std::getenv("FUTURES_MPI_REACHABILITY");
  return v == nullptr || *v == '\0' || std::strcmp(v, which) == 0;
}
}  // namespace

Doubt ProgressThread::DoubtHost(const Peer& p, double now) {
  if (p.host.empty()) return Doubt::kUnknown;
  // One look per silence (a later one, even on the same host, looks again).
  for (const HostDoubt& d : doubts_)
    if (d.host == p.host && d.silent_since == p.last_seen) return d.verdict;
  HostDoubt d;
  d.host = p.host;
  d.silent_since = p.last_seen;
  const double interval = opts_.heartbeat_interval_s;
  d.evidence_after = p.last_seen + 2 * interval + 0.5;
  d.decide_by = std::max(now, d.evidence_after) + interval + 1.0;
  if (!p.daemon.empty() && Allowed("probe")) d.probe = std::make_unique<ReachProbe>(p.daemon, now, kProbeTimeoutS);
  doubts_.push_back(std::move(d));
  UpdateDoubts(now, 0);
  return doubts_.back().verdict;
}

void ProgressThread::UpdateDoubts(double now, double blocked) {
  if (doubts_.empty()) return;
  bool pending = false;
  bool unknown = false;
  for (HostDoubt& d : doubts_) {
    if (d.verdict == Doubt::kPending && blocked > 1.0) {
      // This thread was blocked: messages sent long ago may only now be read. Count only
      // what arrives well after the block (it was sent after it).
      d.evidence_after = std::max(d.evidence_after, now + opts_.heartbeat_interval_s);
      d.decide_by = std::max(d.decide_by, d.evidence_after + opts_.heartbeat_interval_s + 1.0);
    }
    if (d.verdict == Doubt::kPending && Allowed("peers")) {
      for (auto& [id, link] : links_.all())
        for (const Peer& q : link->peers)
          if ((q.is_worker || q.is_controller) && !q.lost && q.host == d.host && q.last_seen > d.evidence_after)
            d.verdict = Doubt::kNone;
    }
    if (d.verdict == Doubt::kPending && d.probe != nullptr) {
      if (d.probe->Check(now) == ReachProbe::Result::kReachable) d.verdict = Doubt::kNone;
    }
    if (d.verdict == Doubt::kPending && now > d.decide_by) d.verdict = Doubt::kUnknown;
    if (d.verdict != Doubt::kPending) d.probe.reset();
    pending |= d.verdict == Doubt::kPending;
    unknown |= d.verdict == Doubt::kUnknown;
  }
  // JavaScript waits until every host is decided.
  doubt_.store(static_cast<int>(pending ? Doubt::kPending : unknown ? Doubt::kUnknown : Doubt::kNone));
}

}  // namespace fmpi
