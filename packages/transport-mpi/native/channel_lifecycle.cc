// ChannelLifecycle: see channel_lifecycle.h. Runs on the progress thread; never touch V8 here.
#include "channel_lifecycle.h"

#include <mpi.h>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace fmpi {

namespace {
void FailOpen(Completions& out, double ticket, const std::string& why) {
  Event e(EventKind::kChannelOpen);
  e.ticket = ticket;
  e.channel = -1;
  e.Text(why);
  out.Push(std::move(e));
}

void PushClosed(Completions& out, int channel, double ticket) {
  Event e(EventKind::kChannelClosed);
  e.ticket = ticket;
  e.channel = channel;
  out.Push(std::move(e));
}
}  // namespace

void ChannelLifecycle::Opened(Channel* channel, double ticket) {
  const double now = SteadySeconds();
  for (Peer& p : channel->peers) p.last_seen = now;
  peers_.HelloAll(*channel);
  Event e(EventKind::kChannelOpen);
  e.ticket = ticket;
  e.channel = channel->id;
  e.a = channel->local_rank;
  e.b = channel->size;
  out_.Push(std::move(e));
}

int ChannelLifecycle::OpenParent(double now) {
  MPI_Comm parent = MPI_COMM_NULL;
  MPI_Comm_get_parent(&parent);
  if (parent == MPI_COMM_NULL) return -1;
  auto channel = std::make_unique<Channel>();
  channel->role = Role::kSpawnedWorker;
  channel->comm = OwnedComm(parent, true);
  channel->inter = true;
  MPI_Comm_set_errhandler(parent, MPI_ERRORS_RETURN);
  MPI_Comm_remote_size(parent, &channel->size);
  channel->local_rank = world_rank_;
  channel->controller_rank = 0;
  channel->peers.resize(channel->size);
  channel->peers[0].is_controller = true;
  channel->peers[0].last_seen = now;
  channel->workers = OwnedComm(MPI_COMM_WORLD, false);
  Channel* raw = channels_.Add(std::move(channel));
  peers_.HelloAll(*raw);
  return raw->id;
}

void ChannelLifecycle::Spawn(Command& c) {
  std::vector<char*> argv;
  for (std::string& s : c.argv) argv.push_back(s.data());
  argv.push_back(nullptr);
  OwnedInfo info;
  for (auto& [k, v] : c.info) info.Set(k, v);
  std::vector<int> errcodes(static_cast<size_t>(c.maxprocs), MPI_SUCCESS);
  MPI_Comm inter = MPI_COMM_NULL;
  // Blocking: the other channels make no progress until the children have called MPI_Init.
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
  auto channel = std::make_unique<Channel>();
  channel->role = Role::kSpawnController;
  channel->comm = OwnedComm(inter, true);
  channel->inter = true;
  MPI_Comm_remote_size(inter, &channel->size);
  channel->peers.resize(channel->size);
  for (int r = 0; r < channel->size; r++)
    channel->peers[r].is_worker = r >= static_cast<int>(errcodes.size()) || errcodes[r] == MPI_SUCCESS;
  Opened(channels_.Add(std::move(channel)), c.ticket);
}

void ChannelLifecycle::OpenWorld(const Command& c) {
  if (world_size_ < 2) {
    FailOpen(out_, c.ticket, "static mode needs at least 2 MPI processes (rank 0 runs the program, the others serve)");
    return;
  }
  const bool server = c.a == 1;
  auto channel = std::make_unique<Channel>();
  channel->role = server ? Role::kStaticServer : Role::kStaticController;
  channel->comm = OwnedComm(MPI_COMM_WORLD, false);
  channel->size = world_size_;
  channel->local_rank = world_rank_;
  channel->controller_rank = 0;
  channel->peers.resize(world_size_);
  if (server) {
    channel->peers[0].is_controller = true;
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
    channel->workers = OwnedComm(workers, true);
  } else {
    for (int r = 1; r < world_size_; r++) channel->peers[r].is_worker = true;
  }
  Opened(channels_.Add(std::move(channel)), c.ticket);
}

void ChannelLifecycle::OpenComm(const Command& c) {
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
  auto channel = std::make_unique<Channel>();
  channel->comm = OwnedComm(dup, true);
  MPI_Comm_rank(dup, &channel->local_rank);
  MPI_Comm_size(dup, &channel->size);
  channel->controller_rank = c.root;
  channel->peers.resize(channel->size);
  const bool root = channel->local_rank == c.root;
  channel->role = root ? Role::kCommController : Role::kCommServer;
  if (root) {
    for (int r = 0; r < channel->size; r++) channel->peers[r].is_worker = r != c.root;
  } else {
    channel->peers[c.root].is_controller = true;
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
    channel->workers = OwnedComm(workers, true);
  }
  Opened(channels_.Add(std::move(channel)), c.ticket);
}

void ChannelLifecycle::End(Channel& channel, bool terminate_workers) {
  if (IsController(channel.role) && terminate_workers && !channel.poisoned) {
    std::vector<MPI_Request> sends;
    std::vector<ControlMsg> msgs(channel.peers.size());
    for (int r = 0; r < static_cast<int>(channel.peers.size()); r++) {
      if (!channel.peers[r].is_worker || channel.peers[r].lost || channel.peers[r].final_seen) continue;
      ControlMsg& m = msgs[r];
      m.magic = kMagic;
      m.kind = static_cast<uint32_t>(Ctrl::kTerminate);
      MPI_Request req;
      if (MPI_Isend(&m, sizeof(m), MPI_BYTE, r, kTagCtrl, channel.comm.get(), &req) == MPI_SUCCESS) sends.push_back(req);
    }
    MPI_Waitall(static_cast<int>(sends.size()), sends.data(), MPI_STATUSES_IGNORE);
  }
  if (channel.poisoned && channel.role == Role::kStaticController && terminate_workers) AbandonServers(channel);
  if (channel.poisoned) return;  // ChannelTable::Remove abandons its handles
  if (channel.role == Role::kSpawnController || channel.role == Role::kSpawnedWorker) {
    // Collective over the intercommunicator: the other side disconnects on kTerminate.
    channel.comm.Disconnect();
  }
  channel.workers.Reset();
  channel.comm.Reset();
}

void ChannelLifecycle::AbandonServers(Channel& channel) {
  // A rank was lost: this job cannot end cleanly. Open MPI ends it once this process exits
  // (SIGTERM, then SIGKILL, to the ranks left: ~3 s), but with a short heartbeatTimeout a
  // server may first take this rank's silence for death and abort the job (peer_watch.cc).
  // Tell the servers still there that this rank is ending (they then leave the end to Open
  // MPI; exiting at once instead made the end ~1 s slower). Bounded: one that is cut off
  // never takes the message (which then stays allocated: MPI may still read it).
  std::vector<MPI_Request> sends;
  const double now = SteadySeconds();
  for (int r = 0; r < static_cast<int>(channel.peers.size()); r++) {
    if (!peers_.StillHeard(channel.peers[r], now)) continue;
    auto* m = new ControlMsg{};
    m->magic = kMagic;
    m->kind = static_cast<uint32_t>(Ctrl::kTerminate);
    m->a = kTerminateAbandon;
    MPI_Request req;
    if (MPI_Isend(m, sizeof(*m), MPI_BYTE, r, kTagCtrl, channel.comm.get(), &req) == MPI_SUCCESS) sends.push_back(req);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  int done = 0;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    if (MPI_Testall(static_cast<int>(sends.size()), sends.data(), &done, MPI_STATUSES_IGNORE) != MPI_SUCCESS) break;
    if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void ChannelLifecycle::Close(const Command& c) {
  Channel* channel = channels_.Get(c.channel);
  if (channel != nullptr && IsController(channel->role) && c.a == 1 && !channel->poisoned && !channel->closing) {
    // Terminate the workers, then keep receiving until each one's final message arrived:
    // only then is nothing left unmatched on the communicator (see kFlagFinal).
    channel->closing = true;
    channel->close_ticket = c.ticket;
    channel->close_deadline = SteadySeconds() + 10;
    for (int r = 0; r < static_cast<int>(channel->peers.size()); r++) {
      Peer& p = channel->peers[r];
      if (!p.is_worker || p.lost || p.final_seen) continue;
      peers_.SendControl(*channel, r, Ctrl::kTerminate, 0, 0, 0);
      channel->finals_pending++;
    }
    if (channel->finals_pending == 0) FinishClose(*channel, false);
    return;
  }
  if (channel != nullptr) {
    End(*channel, c.a == 1);
    channels_.Remove(c.channel);
  }
  PushClosed(out_, c.channel, c.ticket);
}

bool ChannelLifecycle::OnTerminate(Channel& channel) {
  pump_.SendFinal(channel);  // after everything this worker sent on the channel
  Event e(EventKind::kTerminate);
  e.channel = channel.id;
  out_.Push(std::move(e));
  if (IsProcessOwned(channel.role)) return true;  // the loop ends, then Teardown() disconnects and finalizes
  const int id = channel.id;
  channels_.Remove(id);  // a comm executor's servers: the channel ends, the program goes on
  PushClosed(out_, id, 0);
  return false;
}

void ChannelLifecycle::OnFinals() {
  for (auto [id, rank] : pump_.receiver().TakeFinals()) {
    Channel* channel = channels_.Get(id);
    if (channel == nullptr || rank < 0 || rank >= static_cast<int>(channel->peers.size())) continue;
    Peer& p = channel->peers[rank];
    if (p.final_seen) continue;
    p.final_seen = true;
    if (channel->closing && --channel->finals_pending == 0) FinishClose(*channel, false);
  }
}

void ChannelLifecycle::OnDyings() {
  for (Receiver::Dying& d : pump_.receiver().TakeDyings()) {
    Channel* channel = channels_.Get(d.channel);
    if (channel == nullptr || !IsController(channel->role) || d.rank < 0 ||
        d.rank >= static_cast<int>(channel->peers.size()))
      continue;
    if (!channel->peers[d.rank].lost) peers_.MarkLost(*channel, d.rank, d.why);
  }
}

void ChannelLifecycle::CloseOverdue(double now) {
  std::vector<int> overdue;
  for (auto& [id, channel] : channels_.all())
    if (channel->closing && now > channel->close_deadline) overdue.push_back(id);
  for (int id : overdue) FinishClose(*channels_.Get(id), true);
}

void ChannelLifecycle::FinishClose(Channel& channel, bool abandon) {
  const int id = channel.id;
  const double ticket = channel.close_ticket;
  channel.closing = false;
  if (abandon) channel.poisoned = true;  // a worker did not answer: never free or disconnect through it
  End(channel, false);
  channels_.Remove(id);
  PushClosed(out_, id, ticket);
}

void ChannelLifecycle::Teardown() {
  // The orderly end: terminate the workers of every controller channel, disconnect
  // intercommunicators, free the rest, and finalize, unless a peer died (then MPI cannot
  // finalize cleanly: it would hang on the dead rank, so the process just exits).
  if (pump_.dying()) {
    // The process is exiting on an error and told its controllers so: let that notice
    // leave, then end without disconnecting or finalizing (the controller is not ending
    // with us: a disconnect would wait for it, and MPI_Finalize on the others).
    pump_.FlushSends(1.0);
    for (auto& [id, channel] : channels_.all()) channel->poisoned = true;
  }
  const bool poisoned = channels_.AnyPoisoned();
  std::vector<int> ids;
  for (auto& [id, channel] : channels_.all()) ids.push_back(id);
  // Controller channels first (their workers must hear kTerminate before we disconnect).
  for (int pass = 0; pass < 2; pass++) {
    for (int id : ids) {
      Channel* channel = channels_.Get(id);
      if (channel == nullptr || IsController(channel->role) != (pass == 0)) continue;
      if (poisoned) channel->poisoned = true;
      End(*channel, true);
      channels_.Remove(id);
    }
  }
  if (!poisoned) MPI_Finalize();
}

}  // namespace fmpi
