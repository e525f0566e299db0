// HostDoubts: see host_doubts.h. Runs on the progress thread; never touch V8 here (only
// verdict() is read from another thread, through an atomic).
#include "host_doubts.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

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

Doubt HostDoubts::Check(const Peer& p, double now) {
  if (p.host.empty()) return Doubt::kUnknown;
  // One look per silence (a later one, even on the same host, looks again).
  for (const Look& d : looks_)
    if (d.host == p.host && d.silent_since == p.last_seen) return d.verdict;
  Look d;
  d.host = p.host;
  d.silent_since = p.last_seen;
  const double interval = opts_.heartbeat_interval_s;
  d.evidence_after = p.last_seen + 2 * interval + 0.5;
  d.decide_by = std::max(now, d.evidence_after) + interval + 1.0;
  if (!p.daemon.empty() && Allowed("probe")) d.probe = std::make_unique<ReachProbe>(p.daemon, now, kProbeTimeoutS);
  looks_.push_back(std::move(d));
  Update(now, 0);
  return looks_.back().verdict;
}

void HostDoubts::Update(double now, double blocked) {
  if (looks_.empty()) return;
  bool pending = false;
  bool unknown = false;
  for (Look& d : looks_) {
    if (d.verdict == Doubt::kPending && blocked > 1.0) {
      // This thread was blocked: messages sent long ago may only now be read. Count only
      // what arrives well after the block (it was sent after it).
      d.evidence_after = std::max(d.evidence_after, now + opts_.heartbeat_interval_s);
      d.decide_by = std::max(d.decide_by, d.evidence_after + opts_.heartbeat_interval_s + 1.0);
    }
    if (d.verdict == Doubt::kPending && Allowed("peers")) {
      for (const auto& [id, channel] : channels_.all())
        for (const Peer& q : channel->peers)
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
  verdict_.store(static_cast<int>(pending ? Doubt::kPending : unknown ? Doubt::kUnknown : Doubt::kNone));
}

}  // namespace fmpi
