#include "progress_thread.h"

#include <dlfcn.h>
#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <deque>
#include <string>

#include "pingpong.h"

namespace fmpi {

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
// The thread boundary: from here on, the progress thread. Never touch V8 here.
// ---------------------------------------------------------------------------------------

void ProgressThread::Run() {
  if (InitMpi()) {
    idle_since_ = SteadySeconds();
    while (!stop_requested_.load() && !self_terminate_) {
      const double now = SteadySeconds();
      bool progress = RunCommands();
      progress |= pump_.Poll(now);
      progress |= pump_.TestRequests();
      // The MPI calls after the head probe (control probes, request tests) progress the
      // library too and may read a frame off the wire (e.g. TCP between a spawned job and
      // its parent) after we looked for one. Look once more before backing off: else that
      // frame waits out a whole nap (up to backoff_max_us), on every task's hand-over.
      if (!progress) progress = pump_.Poll(now);
      lifecycle_.OnFinals();
      lifecycle_.OnDyings();
      if (now - peers_.last_housekeeping() >= 0.1) Housekeeping(now);
      out_.Flush();
      Backoff(progress, now);
    }
    // Commands queued just before the end still run (e.g. the static world channel of a rank 0
    // that exits at once: its servers must still hear kTerminate).
    if (!self_terminate_) RunCommands();
    lifecycle_.Teardown();
    out_.Push(Event(EventKind::kFinalized));
    out_.Flush();
  }
  {
    std::lock_guard<std::mutex> lock(end_mu_);
    ended_ = true;
  }
  end_cv_.notify_all();
  if (self_terminate_ && !stop_requested_.load()) AwaitTerminateGrace();
}

void ProgressThread::AwaitTerminateGrace() {
  // Our controller ended this worker process: JavaScript exits on the kTerminate event.
  // If it is stuck in a long synchronous task, end the process from here after a grace.
  const double deadline = SteadySeconds() + opts_.terminate_grace_s;
  while (!stop_requested_.load() && SteadySeconds() < deadline) commands_.WaitFor(std::chrono::milliseconds(50));
  if (!stop_requested_.load()) {
    std::fprintf(stderr, "futures(mpi): the controller ended this worker; exiting\n");
    _exit(0);
  }
}

void ProgressThread::Backoff(bool progress, double now) {
  // While data is moving, MPI needs this thread to keep calling it (a large message travels
  // in many fragments, each needing a progress call on both sides): poll without sleeping.
  // After a peer died its transfers may never end, so that case backs off as usual.
  if (progress || (pump_.moving() && !channels_.AnyPoisoned())) {
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
  for (auto& [id, channel] : channels_.all())
    if (!IsController(channel->role)) return true;
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
  int world_rank = 0;
  int world_size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &world_rank);
  MPI_Comm_size(MPI_COMM_WORLD, &world_size);
  lifecycle_.SetWorld(world_rank, world_size);
  peers_.Init();
  const int parent_channel = lifecycle_.OpenParent(SteadySeconds());
  char version[MPI_MAX_LIBRARY_VERSION_STRING] = {0};
  int vlen = 0;
  MPI_Get_library_version(version, &vlen);
  // MPI_UNIVERSE_SIZE: how many processes the job may have in all (slots of the allocation);
  // the spawn mode's default worker count is what is left of it. Not every MPI sets it.
  int* universe = nullptr;
  int has_universe = 0;
  MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_UNIVERSE_SIZE, &universe, &has_universe);
  Event ready(EventKind::kReady);
  ready.session = (has_universe != 0 && universe != nullptr && *universe > 0) ? *universe : 0;  // 0: not set
  ready.channel = parent_channel;
  ready.a = world_rank;
  ready.b = world_size;
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
      pump_.Send(c);
      break;
    case CmdKind::kControl: {
      Channel* channel = channels_.Get(c.channel);
      if (channel != nullptr) peers_.SendControl(*channel, c.dest, static_cast<Ctrl>(c.ctrl), c.session, c.a, c.b);
      break;
    }
    case CmdKind::kSpawn:
      lifecycle_.Spawn(c);
      break;
    case CmdKind::kOpenWorld:
      lifecycle_.OpenWorld(c);
      break;
    case CmdKind::kOpenComm:
      lifecycle_.OpenComm(c);
      break;
    case CmdKind::kCloseChannel:
      lifecycle_.Close(c);
      break;
    case CmdKind::kCollective:
      pump_.StartCollective(c);
      break;
    case CmdKind::kPingPong:
      PingPong(c);
      break;
  }
}

void ProgressThread::PingPong(const Command& c) {
  Event e(EventKind::kPingPongDone);
  e.ticket = c.ticket;
  Channel* channel = channels_.Get(c.channel);
  if (channel == nullptr || c.dest < 0 || c.dest >= channel->size || c.a > (uint64_t{1} << 30)) {
    e.Text("bad ping-pong arguments");
  } else {
    peers_.SendControl(*channel, c.dest, Ctrl::kPingPong, 0, c.a, c.b);
    e.a = PingPongInitiator(*channel, c.dest, c.a, c.b);
    e.b = static_cast<double>(c.b);
  }
  out_.Push(std::move(e));
}

bool ProgressThread::OnControl(Channel& channel, int source, const ControlMsg& msg) {
  switch (static_cast<Ctrl>(msg.kind)) {
    case Ctrl::kHello:
      peers_.OnHello(channel, source, msg);
      break;
    case Ctrl::kHeartbeat:
      break;
    case Ctrl::kTerminate:
      if (IsController(channel.role)) break;
      if (msg.a == kTerminateAbandon) {
        // The controller is exiting after a rank was lost: Open MPI ends the job (MPI cannot
        // finalize). Its silence from now on is no death (see PeerWatch::Watch).
        peers_.ControllerAbandoned();
        break;
      }
      if (lifecycle_.OnTerminate(channel)) self_terminate_ = true;  // Run() ends the loop, then Teardown()
      break;
    case Ctrl::kSessionClose: {
      Event e(EventKind::kSessionClose);
      e.channel = channel.id;
      e.session = msg.session;
      out_.Push(std::move(e));
      break;
    }
    case Ctrl::kPingPong:
      out_.Flush();
      PingPongResponder(channel, source, msg.a, msg.b);
      break;
  }
  return self_terminate_;
}

void ProgressThread::Housekeeping(double now) {
  const double blocked = peers_.AccountBlocked(now);
  doubts_.Update(now, blocked);
  const bool beat = peers_.BeatDue(now);
  lifecycle_.CloseOverdue(now);
  peers_.Watch(now, beat);
}

}  // namespace fmpi
