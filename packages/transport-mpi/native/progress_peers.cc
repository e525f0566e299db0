// ProgressThread: what it knows of its peers: hellos, heartbeats, liveness (pid watch on
// this host, heartbeat timeout elsewhere), and control messages.
// Progress thread only: never touch V8 here.
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "pingpong.h"
#include "progress_thread.h"

namespace fmpi {

void ProgressThread::HandleControl(Link& link, int source, const ControlMsg& msg) {
  switch (static_cast<Ctrl>(msg.kind)) {
    case Ctrl::kHello: {
      if (source < 0 || source >= static_cast<int>(link.peers.size())) return;
      Peer& p = link.peers[source];
      p.pid = static_cast<int>(msg.a);
      p.host.assign(msg.host, strnlen(msg.host, sizeof(msg.host)));
      p.daemon.assign(msg.daemon, strnlen(msg.daemon, sizeof(msg.daemon)));
      Event e(EventKind::kHello);
      e.link = link.id;
      e.rank = source;
      e.a = p.pid;
      e.Text(p.host);
      out_.Push(std::move(e));
      break;
    }
    case Ctrl::kHeartbeat:
      break;
    case Ctrl::kTerminate: {
      if (IsController(link.role)) return;
      if (msg.a == kTerminateAbandon) {
        // The controller is exiting after a rank was lost: Open MPI ends the job (MPI cannot
        // finalize). Its silence from now on is no death (see Housekeeping).
        controller_abandoned_ = true;
        return;
      }
      SendFinal(link);  // after everything this worker sent on the link
      Event e(EventKind::kTerminate);
      e.link = link.id;
      out_.Push(std::move(e));
      if (IsProcessOwned(link.role)) {
        self_terminate_ = true;  // Run() ends the loop, then Teardown() disconnects and finalizes
      } else {
        const int id = link.id;
        links_.Remove(id);  // a comm executor's servers: the link ends, the program goes on
        Event closed(EventKind::kLinkClosed);
        closed.link = id;
        out_.Push(std::move(closed));
      }
      break;
    }
    case Ctrl::kSessionClose: {
      Event e(EventKind::kSessionClose);
      e.link = link.id;
      e.session = msg.session;
      out_.Push(std::move(e));
      break;
    }
    case Ctrl::kPingPong:
      out_.Flush();
      PingPongResponder(link, source, msg.a, msg.b);
      break;
  }
}

void ProgressThread::Housekeeping(double now) {
  // After this thread was blocked (a spawn, a ping-pong, a disconnect), nobody could be
  // heard meanwhile: do not count that time against the peers' heartbeats.
  const double blocked = last_housekeeping_ > 0 ? now - last_housekeeping_ : 0;
  if (blocked > 1.0)
    for (auto& [id, link] : links_.all())
      for (Peer& p : link->peers) p.last_seen += blocked;
  last_housekeeping_ = now;
  UpdateDoubts(now, blocked);
  const bool beat = now - last_heartbeat_ >= opts_.heartbeat_interval_s;
  if (beat) last_heartbeat_ = now;
  std::vector<int> overdue;
  for (auto& [id, link_ptr] : links_.all())
    if (link_ptr->closing && now > link_ptr->close_deadline) overdue.push_back(id);
  for (int id : overdue) FinishClose(*links_.Get(id), true);
  for (auto& [id, link_ptr] : links_.all()) {
    Link& link = *link_ptr;
    if (link.poisoned) {
      // Broken (a worker was lost), but the program may go on for long, and a static server
      // that hears nothing from rank 0 takes it for dead (and, its host answering, aborts the
      // job): keep beating to the servers left (those still heard) until this process exits.
      if (beat && link.role == Role::kStaticController)
        for (int r = 0; r < static_cast<int>(link.peers.size()); r++)
          if (StillHeard(link.peers[r], now)) SendControl(link, r, Ctrl::kHeartbeat, 0, 0, 0);
      continue;
    }
    for (int r = 0; r < static_cast<int>(link.peers.size()); r++) {
      Peer& p = link.peers[r];
      if (p.lost) continue;
      if (!IsController(link.role) && p.is_controller) {
        if (beat) SendControl(link, r, Ctrl::kHeartbeat, 0, 0, 0);
        if (p.host == host_key_ && ProcessGone(p.pid)) {
          if (IsProcessOwned(link.role)) {
            std::fprintf(stderr, "futures(mpi): the controller (pid %d) is gone; this worker exits\n", p.pid);
            _exit(1);
          }
          MarkLost(link, r, "the controller (pid " + std::to_string(p.pid) + ") exited");
        } else if (link.role == Role::kStaticServer && opts_.heartbeat_timeout_s > 0 && !p.host.empty() &&
                   p.host != host_key_ && now - p.last_seen > opts_.heartbeat_timeout_s) {
          // A static controller on another host beats too: silent this long, it is gone or cut
          // off. This rank exists only to serve it: end, so that no rank of the job is left
          // here. First look whether its host still answers (progress_reach.cc: at most 2
          // heartbeat intervals + 1.5 s):
          // - it does: the controller died (or hangs). Open MPI 4 with
          //   orte_abort_on_non_zero_status 0 then waits for it even once every other rank
          //   has exited (mpiexec and the remote daemons stay): abort the job through the
          //   daemons, which are reachable.
          // - no sign of life: it may be cut off. Where Open MPI watches its daemons' links
          //   (oob TCP keepalive set), give it that long to end the job first: a rank exiting
          //   earlier makes its daemon write to the dead link, and a socket with
          //   unacknowledged data sends no keepalives, so the daemon would stay until TCP
          //   gives up (~15 min).
          if (controller_abandoned_) {
            // It said it was exiting with a rank lost, and Open MPI did not end us meanwhile.
            std::fprintf(stderr, "futures(mpi): the controller ended after a rank was lost; this worker exits\n");
            _exit(1);
          }
          const Doubt doubt = DoubtHost(p, now);
          const bool answers = doubt == Doubt::kNone;
          if (answers ||
              (doubt == Doubt::kUnknown && now - p.last_seen > opts_.heartbeat_timeout_s + LauncherLifelineSeconds())) {
            std::fprintf(stderr, "futures(mpi): the controller (pid %d on %s) sent nothing for %d s%s; this worker exits\n",
                         p.pid, p.host.substr(0, p.host.find('|')).c_str(), static_cast<int>(now - p.last_seen),
                         answers ? " (its host still answers: it died; ending the job)" : "");
            if (answers) AbortJob();
            _exit(1);
          }
        }
        continue;
      }
      if (!p.is_worker) continue;
      // Static servers watch their controller's beats (above): a rank 0 beats to each of them.
      if (beat && link.role == Role::kStaticController) SendControl(link, r, Ctrl::kHeartbeat, 0, 0, 0);
      if (p.host == host_key_ && ProcessGone(p.pid)) {
        MarkLost(link, r, "its process (pid " + std::to_string(p.pid) + ") exited");
      } else if (opts_.heartbeat_timeout_s > 0 && now - p.last_seen > opts_.heartbeat_timeout_s) {
        MarkLost(link, r, "it sent nothing for " + std::to_string(static_cast<int>(now - p.last_seen)) + " s", true);
      }
    }
  }
}

void ProgressThread::MarkLost(Link& link, int rank, const std::string& why, bool silent) {
  Peer& p = link.peers[rank];
  p.lost = true;
  link.poisoned = true;
  if (link.closing) {
    // Housekeeping() iterates the links: end this one on its next pass (deadline now).
    link.close_deadline = 0;
  }
  Event e(EventKind::kRankLost);
  e.link = link.id;
  e.rank = rank;
  e.a = p.pid;
  e.b = silent ? 1 : 0;  // lost by heartbeat timeout (its host may be unreachable), not seen to exit
  // Is its host still reachable? HostsInDoubt() tells JavaScript whether to wait at exit.
  if (silent && LauncherLifelineSeconds() > 0) DoubtHost(p, last_housekeeping_);
  e.Text(why + (p.host.empty() ? "" : " on " + p.host.substr(0, p.host.find('|'))));
  out_.Push(std::move(e));
}

void AbortJob() {
  // MPI_Abort waits for the daemons' answer: bounded, in case one cannot be reached after all.
  std::thread([] {
    std::this_thread::sleep_for(std::chrono::seconds(5));
    _exit(1);
  }).detach();
  MPI_Abort(MPI_COMM_WORLD, 1);
  _exit(1);
}

double LauncherLifelineSeconds() {
  // Open MPI passes `--mca` options to its processes as OMPI_MCA_* variables.
  static const double seconds = [] {
    auto num = [](const char* name) {
      const char* v = std::getenv(name);
      return v == nullptr ? -1.0 : std::atof(v);
    };
    const double time = num("OMPI_MCA_oob_tcp_keepalive_time");
    const double intvl = num("OMPI_MCA_oob_tcp_keepalive_intvl");
    const double probes = num("OMPI_MCA_oob_tcp_keepalive_probes");
    if (time <= 0 || intvl <= 0 || probes <= 0) return 0.0;  // unset: Open MPI's default (8 min) is too long to wait for
    return time + intvl * probes + 2.0;
  }();
  return seconds;
}

void ProgressThread::SendControl(Link& link, int dest, Ctrl kind, uint32_t session, uint64_t a, uint64_t b) {
  if (dest < 0 || dest >= link.size) return;
  auto* msg = new ControlMsg{};
  msg->magic = kMagic;
  msg->kind = static_cast<uint32_t>(kind);
  msg->session = session;
  msg->a = a;
  msg->b = b;
  std::strncpy(msg->host, host_key_.c_str(), sizeof(msg->host) - 1);
  std::strncpy(msg->daemon, daemon_contact_.c_str(), sizeof(msg->daemon) - 1);
  MPI_Request req;
  if (MPI_Isend(msg, sizeof(ControlMsg), MPI_BYTE, dest, kTagCtrl, link.comm.get(), &req) != MPI_SUCCESS) {
    delete msg;
    return;
  }
  reqs_.Add(req, {ReqOwner::Kind::kControl, msg});
}

void ProgressThread::HelloAll(Link& link) {
  for (int r = 0; r < static_cast<int>(link.peers.size()); r++) {
    if (link.peers[r].is_worker || link.peers[r].is_controller)
      SendControl(link, r, Ctrl::kHello, 0, static_cast<uint64_t>(getpid()), 0);
  }
}

}  // namespace fmpi
