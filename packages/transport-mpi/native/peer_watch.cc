// PeerWatch: see peer_watch.h. Runs on the progress thread; never touch V8 here.
#include "peer_watch.h"

#include <mpi.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#include "reachability.h"

namespace fmpi {

void PeerWatch::Init() {
  host_key_ = LocalHostKey();
  daemon_contact_ = LocalDaemonContact(sizeof(ControlMsg::daemon) - 1);
}

void PeerWatch::OnHello(Channel& channel, int source, const ControlMsg& msg) {
  if (source < 0 || source >= static_cast<int>(channel.peers.size())) return;
  Peer& p = channel.peers[source];
  p.pid = static_cast<int>(msg.a);
  p.host.assign(msg.host, strnlen(msg.host, sizeof(msg.host)));
  p.daemon.assign(msg.daemon, strnlen(msg.daemon, sizeof(msg.daemon)));
  Event e(EventKind::kHello);
  e.channel = channel.id;
  e.rank = source;
  e.a = p.pid;
  e.Text(p.host);
  out_.Push(std::move(e));
}

double PeerWatch::AccountBlocked(double now) {
  const double blocked = last_housekeeping_ > 0 ? now - last_housekeeping_ : 0;
  if (blocked > 1.0)
    for (auto& [id, channel] : channels_.all())
      for (Peer& p : channel->peers) p.last_seen += blocked;
  last_housekeeping_ = now;
  return blocked;
}

bool PeerWatch::BeatDue(double now) {
  const bool beat = now - last_heartbeat_ >= opts_.heartbeat_interval_s;
  if (beat) last_heartbeat_ = now;
  return beat;
}

void PeerWatch::Watch(double now, bool beat) {
  for (auto& [id, channel_ptr] : channels_.all()) {
    Channel& channel = *channel_ptr;
    if (channel.poisoned) {
      // Broken (a worker was lost), but the program may go on for long, and a static server
      // that hears nothing from rank 0 takes it for dead (and, its host answering, aborts the
      // job): keep beating to the servers left (those still heard) until this process exits.
      if (beat && channel.role == Role::kStaticController)
        for (int r = 0; r < static_cast<int>(channel.peers.size()); r++)
          if (StillHeard(channel.peers[r], now)) SendControl(channel, r, Ctrl::kHeartbeat, 0, 0, 0);
      continue;
    }
    for (int r = 0; r < static_cast<int>(channel.peers.size()); r++) {
      Peer& p = channel.peers[r];
      if (p.lost) continue;
      if (!IsController(channel.role) && p.is_controller) {
        WatchController(channel, r, now, beat);
        continue;
      }
      if (!p.is_worker) continue;
      // Static servers watch their controller's beats (WatchController): a rank 0 beats to each of them.
      if (beat && channel.role == Role::kStaticController) SendControl(channel, r, Ctrl::kHeartbeat, 0, 0, 0);
      if (p.host == host_key_ && ProcessGone(p.pid)) {
        MarkLost(channel, r, "its process (pid " + std::to_string(p.pid) + ") exited");
      } else if (opts_.heartbeat_timeout_s > 0 && now - p.last_seen > opts_.heartbeat_timeout_s) {
        MarkLost(channel, r, "it sent nothing for " + std::to_string(static_cast<int>(now - p.last_seen)) + " s", true);
      }
    }
  }
}

void PeerWatch::WatchController(Channel& channel, int r, double now, bool beat) {
  Peer& p = channel.peers[r];
  if (beat) SendControl(channel, r, Ctrl::kHeartbeat, 0, 0, 0);
  if (p.host == host_key_ && ProcessGone(p.pid)) {
    if (IsProcessOwned(channel.role)) {
      std::fprintf(stderr, "futures(mpi): the controller (pid %d) is gone; this worker exits\n", p.pid);
      _exit(1);
    }
    MarkLost(channel, r, "the controller (pid " + std::to_string(p.pid) + ") exited");
  } else if (channel.role == Role::kStaticServer && opts_.heartbeat_timeout_s > 0 && !p.host.empty() &&
             p.host != host_key_ && now - p.last_seen > opts_.heartbeat_timeout_s) {
    // A static controller on another host beats too: silent this long, it is gone or cut
    // off. This rank exists only to serve it: end, so that no rank of the job is left
    // here. First look whether its host still answers (host_doubts.h: at most 2
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
    const Doubt doubt = doubts_.Check(p, now);
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
}

void PeerWatch::MarkLost(Channel& channel, int rank, const std::string& why, bool by_heartbeat) {
  Peer& p = channel.peers[rank];
  p.lost = true;
  channel.poisoned = true;
  if (channel.closing) {
    // Housekeeping iterates the channels: end this one on its next pass (deadline now).
    channel.close_deadline = 0;
  }
  Event e(EventKind::kRankLost);
  e.channel = channel.id;
  e.rank = rank;
  e.a = p.pid;
  e.b = by_heartbeat ? 1 : 0;  // lost by heartbeat timeout (its host may be unreachable), not seen to exit
  // Is its host still reachable? HostsInDoubt() tells JavaScript whether to wait at exit.
  if (by_heartbeat && LauncherLifelineSeconds() > 0) doubts_.Check(p, last_housekeeping_);
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

void PeerWatch::SendControl(Channel& channel, int dest, Ctrl kind, uint32_t session, uint64_t a, uint64_t b) {
  if (dest < 0 || dest >= channel.size) return;
  auto* msg = new ControlMsg{};
  msg->magic = kMagic;
  msg->kind = static_cast<uint32_t>(kind);
  msg->session = session;
  msg->a = a;
  msg->b = b;
  std::strncpy(msg->host, host_key_.c_str(), sizeof(msg->host) - 1);
  std::strncpy(msg->daemon, daemon_contact_.c_str(), sizeof(msg->daemon) - 1);
  MPI_Request req;
  if (MPI_Isend(msg, sizeof(ControlMsg), MPI_BYTE, dest, kTagCtrl, channel.comm.get(), &req) != MPI_SUCCESS) {
    delete msg;
    return;
  }
  reqs_.Add(req, {ReqOwner::Kind::kControl, msg});
}

void PeerWatch::HelloAll(Channel& channel) {
  for (int r = 0; r < static_cast<int>(channel.peers.size()); r++) {
    if (channel.peers[r].is_worker || channel.peers[r].is_controller)
      SendControl(channel, r, Ctrl::kHello, 0, static_cast<uint64_t>(getpid()), 0);
  }
}

}  // namespace fmpi
