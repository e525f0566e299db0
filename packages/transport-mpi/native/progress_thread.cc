#include "progress_thread.h"

#include <dlfcn.h>
#include <mpi.h>
#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <cstring>

#include "collectives.h"
#include "pingpong.h"
#include "sender.h"

namespace fmpi {

namespace {
double Now() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

ProgressThread::~ProgressThread() {
  if (thread_.joinable()) thread_.detach();
}

void ProgressThread::Start() {
  // JavaScript thread.
  backoff_max_us_.store(opts_.backoff_max_us);
  started_ = true;
  thread_ = std::thread([this] { Run(); });
}

bool ProgressThread::Shutdown(std::chrono::milliseconds timeout) {
  // JavaScript thread: asks the progress thread to end, then waits for it (bounded).
  if (!started_) return true;
  stop_requested_.store(true);
  commands_.Wake();
  std::unique_lock<std::mutex> lock(end_mu_);
  bool ended = end_cv_.wait_for(lock, timeout, [this] { return ended_; });
  lock.unlock();
  if (ended) {
    if (thread_.joinable()) thread_.join();
    return true;
  }
  if (thread_.joinable()) thread_.detach();  // stuck in a blocking MPI call: leave it behind
  return false;
}

// ---------------------------------------------------------------------------------------
// Progress thread from here on: never touch V8.
// ---------------------------------------------------------------------------------------

void ProgressThread::Run() {
  if (InitMpi()) {
    idle_since_ = Now();
    while (!stop_requested_.load() && !self_terminate_) {
      const double now = Now();
      bool progress = RunCommands();
      progress |= PollLinks(now);
      progress |= TestRequests();
      // The MPI calls after the head probe (control probes, request tests) progress the
      // library too and may read a frame off the wire (e.g. TCP between a spawned job and
      // its parent) after we looked for one. Look once more before backing off: else that
      // frame waits out a whole nap (up to backoff_max_us), on every task's hand-over.
      if (!progress) progress = PollLinks(now);
      OnFinals();
      OnDyings();
      if (now - last_housekeeping_ >= 0.1) Housekeeping(now);
      out_.Flush();
      Backoff(progress, now);
    }
    // Commands queued just before the end still run (e.g. the static world link of a rank 0
    // that exits at once: its servers must still hear kTerminate).
    if (!self_terminate_) RunCommands();
    Teardown();
    out_.Push(Event(EventKind::kFinalized));
    out_.Flush();
  }
  {
    std::lock_guard<std::mutex> lock(end_mu_);
    ended_ = true;
  }
  end_cv_.notify_all();
  if (self_terminate_ && !stop_requested_.load()) {
    // Our controller ended this worker process: JavaScript exits on the kTerminate event.
    // If it is stuck in a long synchronous task, end the process from here after a grace.
    const double deadline = Now() + opts_.terminate_grace_s;
    while (!stop_requested_.load() && Now() < deadline) commands_.WaitFor(std::chrono::milliseconds(50));
    if (!stop_requested_.load()) {
      std::fprintf(stderr, "futures(mpi): the controller ended this worker; exiting\n");
      _exit(0);
    }
  }
}

void ProgressThread::Backoff(bool progress, double now) {
  // While data is moving, MPI needs this thread to keep calling it (a large message travels
  // in many fragments, each needing a progress call on both sides): poll without sleeping.
  // After a peer died its transfers may never end, so that case backs off as usual.
  const bool moving = receiver_.inflight() + outgoing_inflight_ + collectives_inflight_ > 0;
  if (progress || (moving && !links_.AnyPoisoned())) {
    idle_since_ = now;
    sleep_us_ = 0;
    return;
  }
  if ((now - idle_since_) * 1e6 < opts_.spin_us) {
    std::this_thread::yield();
    return;
  }
  double cap = backoff_max_us_.load();
  if (now - idle_since_ > opts_.deep_idle_after_s) cap = std::max(cap, opts_.deep_idle_us);
  if (js_idle_.load() && !Serving()) cap = std::max(cap, opts_.parked_us);
  if (cap <= 0) {
    std::this_thread::yield();
    return;
  }
  // Right after activity a reply is likely soon: short naps keep its latency low; then the
  // naps double up to the cap.
  const double since_us = (now - idle_since_) * 1e6;
  if (since_us < opts_.spin_us + opts_.nap_window_us) {
    sleep_us_ = std::min(opts_.nap_us, cap);
  } else {
    sleep_us_ = sleep_us_ <= 0 ? opts_.nap_us : sleep_us_ * 2;
    if (sleep_us_ > cap) sleep_us_ = cap;
  }
  commands_.WaitFor(std::chrono::microseconds(static_cast<int64_t>(sleep_us_)));
}

bool ProgressThread::Serving() {
  for (auto& [id, link] : links_.all())
    if (!IsController(link->role)) return true;
  return false;
}

bool ProgressThread::InitMpi() {
  // OpenMPI loads its components as plugins that need libmpi's symbols globally visible;
  // Node loads addons with RTLD_LOCAL. Promote the already-loaded libmpi to RTLD_GLOBAL.
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&MPI_Init_thread), &info) != 0 && info.dli_fname != nullptr)
    dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);

  int already = 0;
  MPI_Initialized(&already);
  int provided = MPI_THREAD_SINGLE;
  if (!already) {
    int rc = MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) {
      out_.Push(std::move(Event(EventKind::kError).Text("MPI_Init_thread failed: " + MpiErrorString(rc))));
      out_.Flush();
      return false;
    }
  } else {
    MPI_Query_thread(&provided);
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size_);
  host_key_ = LocalHostKey();
  daemon_contact_ = LocalDaemonContact(sizeof(ControlMsg::daemon) - 1);

  int parent_link = -1;
  MPI_Comm parent = MPI_COMM_NULL;
  MPI_Comm_get_parent(&parent);
  if (parent != MPI_COMM_NULL) {
    auto link = std::make_unique<Link>();
    link->role = Role::kSpawnedWorker;
    link->comm = OwnedComm(parent, true);
    link->inter = true;
    MPI_Comm_set_errhandler(parent, MPI_ERRORS_RETURN);
    MPI_Comm_remote_size(parent, &link->size);
    link->local_rank = world_rank_;
    link->controller_rank = 0;
    link->peers.resize(link->size);
    link->peers[0].is_controller = true;
    link->peers[0].last_seen = Now();
    link->workers = OwnedComm(MPI_COMM_WORLD, false);
    Link* raw = links_.Add(std::move(link));
    parent_link = raw->id;
    HelloAll(*raw);
  }
  char version[MPI_MAX_LIBRARY_VERSION_STRING] = {0};
  int vlen = 0;
  MPI_Get_library_version(version, &vlen);
  // MPI_UNIVERSE_SIZE: how many processes the job may have in all (slots of the allocation);
  // the spawn mode's default worker count is what is left of it. Not every MPI sets it.
  int* universe = nullptr;
  int has_universe = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &universe, &has_universe);
  Event ready(EventKind::kReady);
  ready.session = (has_universe != 0 && universe != nullptr) ? *universe : -1;
  ready.link = parent_link;
  ready.a = world_rank_;
  ready.b = world_size_;
  ready.ticket = provided;
  ready.Text(std::string(version, strnlen(version, sizeof(version))));
  out_.Push(std::move(ready));
  out_.Flush();
  return true;
}

bool ProgressThread::RunCommands() {
  std::deque<Command> batch;
  if (!commands_.TakeAll(batch)) return false;
  for (Command& c : batch) {
    try {
      Execute(c);
    } catch (const std::exception& e) {
      out_.Push(std::move(Event(EventKind::kError).Text(e.what())));
    }
  }
  return true;
}

void ProgressThread::Execute(Command& c) {
  switch (c.kind) {
    case CmdKind::kSend:
      DoSend(c);
      break;
    case CmdKind::kControl: {
      Link* link = links_.Get(c.link);
      if (link != nullptr) SendControl(*link, c.dest, static_cast<Ctrl>(c.ctrl), c.session, c.a, c.b);
      break;
    }
    case CmdKind::kSpawn:
      DoSpawn(c);
      break;
    case CmdKind::kOpenWorld:
      DoOpenWorld(c);
      break;
    case CmdKind::kOpenComm:
      DoOpenComm(c);
      break;
    case CmdKind::kCloseLink:
      DoCloseLink(c);
      break;
    case CmdKind::kCollective:
      DoCollective(c);
      break;
    case CmdKind::kPingPong:
      DoPingPong(c);
      break;
  }
}

void ProgressThread::DoSend(Command& c) {
  Link* link = links_.Get(c.link);
  Preamble pre{};
  if (c.message.size() >= sizeof(pre)) std::memcpy(&pre, c.message.data(), sizeof(pre));
  if (pre.flags & kFlagDying) dying_ = true;  // sent from the process's exit: see Teardown
  auto* f = new OutgoingFrame();
  f->message = std::move(c.message);
  f->data = std::move(c.data);
  f->ticket = c.ticket;
  f->link = c.link;
  auto finish_unsent = [&] {
    if (f->ticket != 0) {
      Event sent(EventKind::kSent);
      sent.ticket = f->ticket;
      out_.Push(std::move(sent));
    }
    delete f;
  };
  if (link == nullptr || c.dest < 0 || c.dest >= link->size || link->peers[c.dest].lost) {
    finish_unsent();  // the link is gone or the peer died: nothing will read it
    return;
  }
  MPI_Comm comm = link->comm.get();
  MPI_Request req;
  int rc = MPI_Isend(f->message.data(), static_cast<int>(f->message.size()), MPI_BYTE, c.dest, kTagHead, comm, &req);
  if (rc != MPI_SUCCESS) {
    out_.Push(std::move(Event(EventKind::kError).Text("MPI_Isend failed: " + MpiErrorString(rc))));
    finish_unsent();
    return;
  }
  reqs_.Add(req, {ReqOwner::Kind::kOutgoing, f});
  f->pending++;
  outgoing_inflight_++;
  for (const BufRef& d : f->data) {
    for (uint64_t off = 0; off < d.len; off += kChunkBytes) {
      const int n = static_cast<int>(std::min(kChunkBytes, d.len - off));
      rc = MPI_Isend(d.data + off, n, MPI_BYTE, c.dest, kTagData, comm, &req);
      if (rc != MPI_SUCCESS) {
        out_.Push(std::move(Event(EventKind::kError).Text("MPI_Isend failed: " + MpiErrorString(rc))));
        continue;
      }
      reqs_.Add(req, {ReqOwner::Kind::kOutgoing, f});
      f->pending++;
    }
  }
}

bool ProgressThread::PollLinks(double now) {
  bool progress = false;
  for (auto& [id, link_ptr] : links_.all()) {
    Link& link = *link_ptr;
    if (receiver_.PollHeads(link, now) > 0) progress = true;
    for (int i = 0; i < 16; i++) {
      int flag = 0;
      MPI_Message msg;
      MPI_Status st;
      if (MPI_Improbe(MPI_ANY_SOURCE, kTagCtrl, link.comm.get(), &flag, &msg, &st) != MPI_SUCCESS || !flag) break;
      ControlMsg cm{};
      int count = 0;
      MPI_Get_count(&st, MPI_BYTE, &count);
      std::vector<uint8_t> raw(static_cast<size_t>(count > 0 ? count : 0));
      MPI_Mrecv(raw.data(), count, MPI_BYTE, &msg, MPI_STATUS_IGNORE);
      if (raw.size() != sizeof(ControlMsg)) continue;
      std::memcpy(&cm, raw.data(), sizeof(cm));
      if (cm.magic != kMagic) continue;
      // heartbeats are not activity: they must not keep an idle thread from backing off
      if (static_cast<Ctrl>(cm.kind) != Ctrl::kHeartbeat) progress = true;
      if (st.MPI_SOURCE >= 0 && st.MPI_SOURCE < static_cast<int>(link.peers.size()))
        link.peers[st.MPI_SOURCE].last_seen = now;
      HandleControl(link, st.MPI_SOURCE, cm);
      if (self_terminate_ || links_.Get(id) == nullptr) return true;  // the link ended: the map changed
    }
  }
  return progress;
}

bool ProgressThread::TestRequests() {
  int activity = 0;  // completions other than control messages (heartbeats are not activity)
  int done = reqs_.TestSome([this, &activity](const ReqOwner& owner, int error) {
    if (owner.kind != ReqOwner::Kind::kControl) activity++;
    switch (owner.kind) {
      case ReqOwner::Kind::kIncoming:
        receiver_.OnData(static_cast<IncomingFrame*>(owner.ptr), error);
        break;
      case ReqOwner::Kind::kOutgoing: {
        auto* f = static_cast<OutgoingFrame*>(owner.ptr);
        if (error != MPI_SUCCESS)
          out_.Push(std::move(Event(EventKind::kError).Text("a send failed: " + MpiErrorString(error))));
        if (--f->pending == 0) {
          outgoing_inflight_--;
          if (f->ticket != 0) {
            Event sent(EventKind::kSent);
            sent.ticket = f->ticket;
            out_.Push(std::move(sent));
          }
          delete f;
        }
        break;
      }
      case ReqOwner::Kind::kCollective: {
        auto* pc = static_cast<PendingCollective*>(owner.ptr);
        Event e(EventKind::kCollectiveDone);
        e.ticket = pc->ticket;
        if (error != MPI_SUCCESS) e.Text(MpiErrorString(error));
        out_.Push(std::move(e));
        delete pc;
        collectives_inflight_--;
        break;
      }
      case ReqOwner::Kind::kControl:
        delete static_cast<ControlMsg*>(owner.ptr);
        break;
    }
  });
  if (done < 0) out_.Push(std::move(Event(EventKind::kError).Text("MPI_Testsome failed")));
  return activity > 0;
}

}  // namespace fmpi
