// ProgressThread: creating and ending links (spawn, static world, comm executor), the
// collectives and ping-pong commands, and the orderly end of MPI.
// Progress thread only: never touch V8 here.
#include <mpi.h>

#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "collectives.h"
#include "pingpong.h"
#include "progress_thread.h"
#include "sender.h"

namespace fmpi {

namespace {
double Now() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

void FailOpen(Completions& out, double ticket, const std::string& why) {
  Event e(EventKind::kLinkOpen);
  e.ticket = ticket;
  e.link = -1;
  e.Text(why);
  out.Push(std::move(e));
}
}  // namespace

void ProgressThread::LinkOpened(Link* link, double ticket, double a, double b) {
  const double now = Now();
  for (Peer& p : link->peers) p.last_seen = now;
  HelloAll(*link);
  Event e(EventKind::kLinkOpen);
  e.ticket = ticket;
  e.link = link->id;
  e.a = a;
  e.b = b;
  out_.Push(std::move(e));
}

void ProgressThread::DoSpawn(Command& c) {
  std::vector<char*> argv;
  for (std::string& s : c.argv) argv.push_back(s.data());
  argv.push_back(nullptr);
  OwnedInfo info;
  for (auto& [k, v] : c.info) info.Set(k, v);
  std::vector<int> errcodes(static_cast<size_t>(c.maxprocs), MPI_SUCCESS);
  MPI_Comm inter = MPI_COMM_NULL;
  // Blocking: the other links make no progress until the children have called MPI_Init.
  int rc = MPI_Comm_spawn(c.command.c_str(), argv.data(), c.maxprocs, info.get(), 0, MPI_COMM_SELF, &inter,
                          errcodes.data());
  if (rc != MPI_SUCCESS || inter == MPI_COMM_NULL) {
    std::string why = "MPI_Comm_spawn of " + std::to_string(c.maxprocs) + " workers failed: " + MpiErrorString(rc);
    for (int code : errcodes)
      if (code != MPI_SUCCESS) {
        why += " (first worker error: " + MpiErrorString(code) + ")";
        break;
      }
    FailOpen(out_, c.ticket, why);
    return;
  }
  MPI_Comm_set_errhandler(inter, MPI_ERRORS_RETURN);
  auto link = std::make_unique<Link>();
  link->role = Role::kSpawnController;
  link->comm = OwnedComm(inter, true);
  link->inter = true;
  MPI_Comm_remote_size(inter, &link->size);
  link->peers.resize(link->size);
  int spawned = 0;
  for (int r = 0; r < link->size; r++) {
    link->peers[r].is_worker = r >= static_cast<int>(errcodes.size()) || errcodes[r] == MPI_SUCCESS;
    if (link->peers[r].is_worker) spawned++;
  }
  Link* raw = links_.Add(std::move(link));
  LinkOpened(raw, c.ticket, spawned, raw->size);
}

void ProgressThread::DoOpenWorld(Command& c) {
  if (world_size_ < 2) {
    FailOpen(out_, c.ticket, "static mode needs at least 2 MPI processes (rank 0 runs the program, the others serve)");
    return;
  }
  const bool server = c.a == 1;
  auto link = std::make_unique<Link>();
  link->role = server ? Role::kStaticServer : Role::kStaticController;
  link->comm = OwnedComm(MPI_COMM_WORLD, false);
  link->size = world_size_;
  link->local_rank = world_rank_;
  link->controller_rank = 0;
  link->peers.resize(world_size_);
  if (server) {
    link->peers[0].is_controller = true;
    // The workers' communicator: every rank but 0 (collective over the servers only).
    OwnedGroup world_group, servers;
    MPI_Comm_group(MPI_COMM_WORLD, world_group.out());
    int zero = 0;
    MPI_Group_excl(world_group.get(), 1, &zero, servers.out());
    MPI_Comm workers = MPI_COMM_NULL;
    int rc = MPI_Comm_create_group(MPI_COMM_WORLD, servers.get(), kTagGroup, &workers);
    if (rc != MPI_SUCCESS) {
      FailOpen(out_, c.ticket, "MPI_Comm_create_group failed: " + MpiErrorString(rc));
      return;
    }
    link->workers = OwnedComm(workers, true);
  } else {
    for (int r = 1; r < world_size_; r++) link->peers[r].is_worker = true;
  }
  Link* raw = links_.Add(std::move(link));
  LinkOpened(raw, c.ticket, world_rank_, world_size_);
}

void ProgressThread::DoOpenComm(Command& c) {
  // Collective over MPI_COMM_WORLD: every rank calls commExecutor() together. A dup of the
  // world, or (color >= 0) the part of a split of the world that this rank belongs to.
  MPI_Comm dup = MPI_COMM_NULL;
  const bool split = c.op >= 0;
  int rc = split ? MPI_Comm_split(MPI_COMM_WORLD, c.op, c.dtype, &dup) : MPI_Comm_dup(MPI_COMM_WORLD, &dup);
  if (rc != MPI_SUCCESS || dup == MPI_COMM_NULL) {
    FailOpen(out_, c.ticket, std::string(split ? "MPI_Comm_split" : "MPI_Comm_dup") + " failed: " + MpiErrorString(rc));
    return;
  }
  int comm_size = 0;
  MPI_Comm_size(dup, &comm_size);
  if (c.root < 0 || c.root >= comm_size) {
    MPI_Comm_free(&dup);
    FailOpen(out_, c.ticket, "bad root: " + std::to_string(c.root) + " is not a rank of the communicator (size " +
                                 std::to_string(comm_size) + ")");
    return;
  }
  MPI_Comm_set_errhandler(dup, MPI_ERRORS_RETURN);
  auto link = std::make_unique<Link>();
  link->comm = OwnedComm(dup, true);
  MPI_Comm_rank(dup, &link->local_rank);
  MPI_Comm_size(dup, &link->size);
  link->controller_rank = c.root;
  link->peers.resize(link->size);
  const bool root = link->local_rank == c.root;
  link->role = root ? Role::kCommController : Role::kCommServer;
  if (root) {
    for (int r = 0; r < link->size; r++) link->peers[r].is_worker = r != c.root;
  } else {
    link->peers[c.root].is_controller = true;
    OwnedGroup all, servers;
    MPI_Comm_group(dup, all.out());
    int excl = c.root;
    MPI_Group_excl(all.get(), 1, &excl, servers.out());
    MPI_Comm workers = MPI_COMM_NULL;
    rc = MPI_Comm_create_group(dup, servers.get(), kTagGroup, &workers);
    if (rc != MPI_SUCCESS) {
      FailOpen(out_, c.ticket, "MPI_Comm_create_group failed: " + MpiErrorString(rc));
      return;
    }
    link->workers = OwnedComm(workers, true);
  }
  Link* raw = links_.Add(std::move(link));
  LinkOpened(raw, c.ticket, raw->local_rank, raw->size);
}

void ProgressThread::EndLink(Link& link, bool terminate_workers) {
  if (IsController(link.role) && terminate_workers && !link.poisoned) {
    std::vector<MPI_Request> sends;
    std::vector<ControlMsg> msgs(link.peers.size());
    for (int r = 0; r < static_cast<int>(link.peers.size()); r++) {
      if (!link.peers[r].is_worker || link.peers[r].lost || link.peers[r].final_seen) continue;
      ControlMsg& m = msgs[r];
      m.magic = kMagic;
      m.kind = static_cast<uint32_t>(Ctrl::kTerminate);
      MPI_Request req;
      if (MPI_Isend(&m, sizeof(m), MPI_BYTE, r, kTagCtrl, link.comm.get(), &req) == MPI_SUCCESS) sends.push_back(req);
    }
    MPI_Waitall(static_cast<int>(sends.size()), sends.data(), MPI_STATUSES_IGNORE);
  }
  if (link.poisoned && link.role == Role::kStaticController && terminate_workers) AbandonServers(link);
  if (link.poisoned) return;  // LinkTable::Remove abandons its handles
  if (link.role == Role::kSpawnController || link.role == Role::kSpawnedWorker) {
    // Collective over the intercommunicator: the other side disconnects on kTerminate.
    link.comm.Disconnect();
  }
  link.workers.Reset();
  link.comm.Reset();
}

void ProgressThread::AbandonServers(Link& link) {
  // A rank was lost: this job cannot end cleanly. Open MPI ends it once this process exits
  // (SIGTERM, then SIGKILL, to the ranks left: ~3 s), but with a short heartbeatTimeout a
  // server may first take this rank's silence for death and abort the job (progress_peers.cc).
  // Tell the servers still there that this rank is ending (they then leave the end to Open
  // MPI; exiting at once instead made the end ~1 s slower). Bounded: one that is cut off
  // never takes the message (which then stays allocated: MPI may still read it).
  std::vector<MPI_Request> sends;
  const double now = Now();
  for (int r = 0; r < static_cast<int>(link.peers.size()); r++) {
    if (!StillHeard(link.peers[r], now)) continue;
    auto* m = new ControlMsg{};
    m->magic = kMagic;
    m->kind = static_cast<uint32_t>(Ctrl::kTerminate);
    m->a = kTerminateAbandon;
    MPI_Request req;
    if (MPI_Isend(m, sizeof(*m), MPI_BYTE, r, kTagCtrl, link.comm.get(), &req) == MPI_SUCCESS) sends.push_back(req);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  int done = 0;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    if (MPI_Testall(static_cast<int>(sends.size()), sends.data(), &done, MPI_STATUSES_IGNORE) != MPI_SUCCESS) break;
    if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void ProgressThread::DoCloseLink(Command& c) {
  Link* link = links_.Get(c.link);
  if (link != nullptr && IsController(link->role) && c.a == 1 && !link->poisoned && !link->closing) {
    // Terminate the workers, then keep receiving until each one's final message arrived:
    // only then is nothing left unmatched on the communicator (see kFlagFinal).
    link->closing = true;
    link->close_ticket = c.ticket;
    link->close_deadline = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count() + 10;
    for (int r = 0; r < static_cast<int>(link->peers.size()); r++) {
      Peer& p = link->peers[r];
      if (!p.is_worker || p.lost || p.final_seen) continue;
      SendControl(*link, r, Ctrl::kTerminate, 0, 0, 0);
      link->finals_pending++;
    }
    if (link->finals_pending == 0) FinishClose(*link, false);
    return;
  }
  if (link != nullptr) {
    EndLink(*link, c.a == 1);
    links_.Remove(c.link);
  }
  Event e(EventKind::kLinkClosed);
  e.ticket = c.ticket;
  e.link = c.link;
  out_.Push(std::move(e));
}

void ProgressThread::OnFinals() {
  for (auto [id, rank] : receiver_.TakeFinals()) {
    Link* link = links_.Get(id);
    if (link == nullptr || rank < 0 || rank >= static_cast<int>(link->peers.size())) continue;
    Peer& p = link->peers[rank];
    if (p.final_seen) continue;
    p.final_seen = true;
    if (link->closing && --link->finals_pending == 0) FinishClose(*link, false);
  }
}

void ProgressThread::OnDyings() {
  for (Receiver::Dying& d : receiver_.TakeDyings()) {
    Link* link = links_.Get(d.link);
    if (link == nullptr || !IsController(link->role) || d.rank < 0 || d.rank >= static_cast<int>(link->peers.size()))
      continue;
    if (!link->peers[d.rank].lost) MarkLost(*link, d.rank, d.why);
  }
}

void ProgressThread::FlushSends(double seconds) {
  const double deadline = Now() + seconds;
  while (outgoing_inflight_ > 0 && Now() < deadline) {
    TestRequests();
    std::this_thread::yield();
  }
}

void ProgressThread::FinishClose(Link& link, bool abandon) {
  const int id = link.id;
  const double ticket = link.close_ticket;
  link.closing = false;
  if (abandon) link.poisoned = true;  // a worker did not answer: never free or disconnect through it
  EndLink(link, false);
  links_.Remove(id);
  Event e(EventKind::kLinkClosed);
  e.ticket = ticket;
  e.link = id;
  out_.Push(std::move(e));
}

void ProgressThread::SendFinal(Link& link) {
  auto* f = new OutgoingFrame();
  f->message.assign(sizeof(Preamble), 0);
  Preamble pre{kMagic, 0, 0, kFlagFinal, 0};
  std::memcpy(f->message.data(), &pre, sizeof(pre));
  f->link = link.id;
  MPI_Request req;
  if (MPI_Isend(f->message.data(), static_cast<int>(f->message.size()), MPI_BYTE, link.controller_rank, kTagHead,
                link.comm.get(), &req) != MPI_SUCCESS) {
    delete f;
    return;
  }
  reqs_.Add(req, {ReqOwner::Kind::kOutgoing, f});
  f->pending = 1;
  outgoing_inflight_++;
}

void ProgressThread::DoCollective(Command& c) {
  Link* link = links_.Get(c.link);
  std::string error = link == nullptr ? "the link is closed" : StartCollective(c, *link, reqs_);
  if (error.empty()) {
    collectives_inflight_++;
    return;
  }
  Event e(EventKind::kCollectiveDone);
  e.ticket = c.ticket;
  e.Text(error);
  out_.Push(std::move(e));
}

void ProgressThread::DoPingPong(Command& c) {
  Event e(EventKind::kPingPongDone);
  e.ticket = c.ticket;
  Link* link = links_.Get(c.link);
  if (link == nullptr || c.dest < 0 || c.dest >= link->size || c.a > (uint64_t{1} << 30)) {
    e.Text("bad ping-pong arguments");
  } else {
    SendControl(*link, c.dest, Ctrl::kPingPong, 0, c.a, c.b);
    e.a = PingPongInitiator(*link, c.dest, c.a, c.b);
    e.b = static_cast<double>(c.b);
  }
  out_.Push(std::move(e));
}

void ProgressThread::Teardown() {
  // The orderly end: terminate the workers of every controller link, disconnect
  // intercommunicators, free the rest, and finalize, unless a peer died (then MPI cannot
  // finalize cleanly: it would hang on the dead rank, so the process just exits).
  if (dying_) {
    // The process is exiting on an error and told its controllers so: let that notice
    // leave, then end without disconnecting or finalizing (the controller is not ending
    // with us: a disconnect would wait for it, and MPI_Finalize on the others).
    FlushSends(1.0);
    for (auto& [id, link] : links_.all()) link->poisoned = true;
  }
  const bool poisoned = links_.AnyPoisoned();
  std::vector<int> ids;
  for (auto& [id, link] : links_.all()) ids.push_back(id);
  // Controller links first (their workers must hear kTerminate before we disconnect).
  for (int pass = 0; pass < 2; pass++) {
    for (int id : ids) {
      Link* link = links_.Get(id);
      if (link == nullptr || IsController(link->role) != (pass == 0)) continue;
      if (poisoned) link->poisoned = true;
      EndLink(*link, true);
      links_.Remove(id);
    }
  }
  if (!poisoned) MPI_Finalize();
}

}  // namespace fmpi
