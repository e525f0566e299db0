#include "addon.h"

#include <mpi.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "collectives.h"
#include "enum_table.h"
#include "sender.h"
#include "wire.h"

namespace fmpi {

std::atomic<bool> FuturesMpiAddon::claimed_{false};

namespace {

double NumberArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), std::string("futures-mpi: ") + what + " must be a number");
  return info[i].As<Napi::Number>().DoubleValue();
}

int IntArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return static_cast<int>(NumberArg(info, i, what));
}

double OptionNumber(const Napi::Object& o, const char* key, double fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
}

const uint8_t* ViewData(const Napi::TypedArray& v) {
  return static_cast<const uint8_t*>(v.ArrayBuffer().Data()) + v.ByteOffset();
}

template <size_t N>
constexpr EnumTable TableOf(const char* name, const EnumEntry (&entries)[N]) {
  return EnumTable{name, entries, N};
}

/**
 * `enums`: every enum JavaScript shares with the addon, from its one definition (the
 * X-macro lists in events.h, wire.h, command_queue.h, collectives.h, host_doubts.h).
 * src/native.ts asserts at load that they equal what TypeScript declares.
 */
Napi::Object EnumTables(Napi::Env env) {
  static constexpr EnumTable kTables[] = {
      TableOf("eventKind", kEventKindEntries), TableOf("ctrl", kCtrlEntries),
      TableOf("frameFlag", kFrameFlagEntries), TableOf("collOp", kCollOpEntries),
      TableOf("dtype", kDTypeEntries),         TableOf("reduceOp", kReduceOpEntries),
      TableOf("hostDoubt", kDoubtEntries),
  };
  Napi::Object enums = Napi::Object::New(env);
  for (const EnumTable& t : kTables) {
    Napi::Object table = Napi::Object::New(env);
    for (size_t i = 0; i < t.count; i++) table.Set(t.entries[i].name, Napi::Number::New(env, t.entries[i].value));
    enums.Set(t.name, table);
  }
  return enums;
}

}  // namespace

FuturesMpiAddon::FuturesMpiAddon(Napi::Env env, Napi::Object exports) {
  DefineAddon(exports, {
                           InstanceMethod("start", &FuturesMpiAddon::Start),
                           InstanceMethod("send", &FuturesMpiAddon::Send),
                           InstanceMethod("control", &FuturesMpiAddon::Control),
                           InstanceMethod("spawn", &FuturesMpiAddon::Spawn),
                           InstanceMethod("openWorld", &FuturesMpiAddon::OpenWorld),
                           InstanceMethod("openComm", &FuturesMpiAddon::OpenComm),
                           InstanceMethod("closeChannel", &FuturesMpiAddon::CloseChannel),
                           InstanceMethod("collective", &FuturesMpiAddon::Collective),
                           InstanceMethod("pingPong", &FuturesMpiAddon::PingPong),
                           InstanceMethod("setBackoff", &FuturesMpiAddon::SetBackoff),
                           InstanceMethod("setIdle", &FuturesMpiAddon::SetIdle),
                           InstanceMethod("ref", &FuturesMpiAddon::Ref),
                           InstanceMethod("unref", &FuturesMpiAddon::Unref),
                           InstanceMethod("shutdown", &FuturesMpiAddon::Shutdown),
                           InstanceMethod("hostsInDoubt", &FuturesMpiAddon::HostsInDoubt),
                           InstanceMethod("libraryInfo", &FuturesMpiAddon::LibraryInfo),
                           InstanceMethod("poolCached", &FuturesMpiAddon::PoolCached),
                       });
  Napi::Object limits = Napi::Object::New(env);
  limits.Set("chunkBytes", Napi::Number::New(env, static_cast<double>(kChunkBytes)));
  limits.Set("inlineMax", Napi::Number::New(env, static_cast<double>(kInlineMax)));
  limits.Set("pooledMin", Napi::Number::New(env, static_cast<double>(RecvPool::kMinPooled)));
  exports.Set("limits", limits);
  exports.Set("enums", EnumTables(env));
}

FuturesMpiAddon::~FuturesMpiAddon() {
  // Environment teardown (JavaScript thread): normally src/engine.ts already shut down on
  // process 'exit'; this is the backstop.
  ShutdownThread(std::chrono::milliseconds(5000));
  if (owner_) claimed_.store(false);
}

bool FuturesMpiAddon::ShutdownThread(std::chrono::milliseconds timeout) {
  if (shut_down_ || !thread_) return true;
  shut_down_ = true;
  bool ended = thread_->Shutdown(timeout);
  if (ended) {
    completions_.Release();
  } else {
    thread_.release();  // detached and possibly still inside MPI: it must outlive us
  }
  return ended;
}

ProgressThread& FuturesMpiAddon::Thread(const Napi::Env& env) {
  if (!thread_ || shut_down_) throw Napi::Error::New(env, "futures-mpi: MPI is not running in this process (start() first, or it was shut down)");
  return *thread_;
}

Napi::Value FuturesMpiAddon::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (thread_) throw Napi::Error::New(env, "futures-mpi: start() was called twice");
  if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "futures-mpi: start(onEvents, options) needs a function");
  if (claimed_.exchange(true))
    throw Napi::Error::New(env, "futures-mpi: MPI is already used by another thread of this process; use the MPI transport from the main thread only");
  owner_ = true;
  EngineOptions opts;
  if (info[1].IsObject()) {
    Napi::Object o = info[1].As<Napi::Object>();
    opts.backoff_max_us = OptionNumber(o, "backoffUs", opts.backoff_max_us);
    opts.spin_us = OptionNumber(o, "spinUs", opts.spin_us);
    opts.heartbeat_interval_s = OptionNumber(o, "heartbeatIntervalMs", opts.heartbeat_interval_s * 1000) / 1000;
    opts.heartbeat_timeout_s = OptionNumber(o, "heartbeatTimeoutMs", opts.heartbeat_timeout_s * 1000) / 1000;
    opts.terminate_grace_s = OptionNumber(o, "terminateGraceMs", opts.terminate_grace_s * 1000) / 1000;
  }
  // Tuning knobs for experiments (not options: the defaults are what the benchmarks measured).
  if (const char* v = std::getenv("FUTURES_MPI_SPIN_US")) opts.spin_us = std::atof(v);
  if (const char* v = std::getenv("FUTURES_MPI_NAP_US")) opts.nap_us = std::atof(v);
  if (const char* v = std::getenv("FUTURES_MPI_NAP_WINDOW_US")) opts.nap_window_us = std::atof(v);
  completions_.Init(env, info[0].As<Napi::Function>());
  thread_ = std::make_unique<ProgressThread>(completions_, opts);
  thread_->Start();  // the thread boundary: from here MPI lives on the progress thread
  return env.Undefined();
}

Napi::Value FuturesMpiAddon::Send(const Napi::CallbackInfo& info) {
  // send(channel, dest, session, head, bufs | null, ticket, flags) -> true when the buffers
  // are referenced (JavaScript must keep them alive until the kSent event for `ticket`).
  Napi::Env env = info.Env();
  ProgressThread& t = Thread(env);
  Command cmd;
  cmd.kind = CmdKind::kSend;
  cmd.channel = IntArg(info, 0, "channel");
  cmd.dest = IntArg(info, 1, "dest");
  const uint32_t session = static_cast<uint32_t>(NumberArg(info, 2, "session"));
  if (!info[3].IsTypedArray()) throw Napi::TypeError::New(env, "futures-mpi: send() head must be a Uint8Array");
  Napi::TypedArray head = info[3].As<Napi::TypedArray>();
  std::vector<BufRef> bufs;
  if (info[4].IsArray()) {
    Napi::Array arr = info[4].As<Napi::Array>();
    const uint32_t n = arr.Length();
    bufs.reserve(n);
    for (uint32_t i = 0; i < n; i++) {
      Napi::Value v = arr.Get(i);
      if (!v.IsTypedArray()) throw Napi::TypeError::New(env, "futures-mpi: send() bufs must be Uint8Arrays");
      Napi::TypedArray b = v.As<Napi::TypedArray>();
      bufs.push_back({ViewData(b), b.ByteLength()});
    }
  }
  const double ticket = NumberArg(info, 5, "ticket");
  const uint32_t flags = info[6].IsNumber() ? info[6].As<Napi::Number>().Uint32Value() : 0;
  const bool refs = BuildFrameMessage(cmd, session, flags, ViewData(head), head.ByteLength(), bufs);
  cmd.ticket = refs ? ticket : 0;
  t.commands().Push(std::move(cmd));
  return Napi::Boolean::New(env, refs);
}

Napi::Value FuturesMpiAddon::Control(const Napi::CallbackInfo& info) {
  // control(channel, dest, kind, session, a, b)
  Command cmd;
  cmd.kind = CmdKind::kControl;
  cmd.channel = IntArg(info, 0, "channel");
  cmd.dest = IntArg(info, 1, "dest");
  cmd.ctrl = static_cast<uint32_t>(NumberArg(info, 2, "kind"));
  cmd.session = static_cast<uint32_t>(NumberArg(info, 3, "session"));
  cmd.a = info[4].IsNumber() ? static_cast<uint64_t>(info[4].As<Napi::Number>().DoubleValue()) : 0;
  cmd.b = info[5].IsNumber() ? static_cast<uint64_t>(info[5].As<Napi::Number>().DoubleValue()) : 0;
  Thread(info.Env()).commands().Push(std::move(cmd));
  return info.Env().Undefined();
}

Napi::Value FuturesMpiAddon::Spawn(const Napi::CallbackInfo& info) {
  // spawn(ticket, command, argv: string[], maxprocs, info: [key, value][])
  Napi::Env env = info.Env();
  Command cmd;
  cmd.kind = CmdKind::kSpawn;
  cmd.ticket = NumberArg(info, 0, "ticket");
  cmd.command = info[1].As<Napi::String>().Utf8Value();
  Napi::Array argv = info[2].As<Napi::Array>();
  for (uint32_t i = 0; i < argv.Length(); i++) cmd.argv.push_back(argv.Get(i).As<Napi::String>().Utf8Value());
  cmd.maxprocs = IntArg(info, 3, "maxprocs");
  if (info[4].IsArray()) {
    Napi::Array pairs = info[4].As<Napi::Array>();
    for (uint32_t i = 0; i < pairs.Length(); i++) {
      Napi::Array kv = pairs.Get(i).As<Napi::Array>();
      cmd.info.emplace_back(kv.Get(0u).As<Napi::String>().Utf8Value(), kv.Get(1u).As<Napi::String>().Utf8Value());
    }
  }
  Thread(env).commands().Push(std::move(cmd));
  return env.Undefined();
}

Napi::Value FuturesMpiAddon::OpenWorld(const Napi::CallbackInfo& info) {
  // openWorld(ticket, server)
  Command cmd;
  cmd.kind = CmdKind::kOpenWorld;
  cmd.ticket = NumberArg(info, 0, "ticket");
  cmd.a = info[1].ToBoolean().Value() ? 1 : 0;
  Thread(info.Env()).commands().Push(std::move(cmd));
  return info.Env().Undefined();
}

Napi::Value FuturesMpiAddon::OpenComm(const Napi::CallbackInfo& info) {
  // openComm(ticket, root, color, key): color < 0 dups the world, else splits it
  Command cmd;
  cmd.kind = CmdKind::kOpenComm;
  cmd.ticket = NumberArg(info, 0, "ticket");
  cmd.root = IntArg(info, 1, "root");
  cmd.op = info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : -1;
  cmd.dtype = info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : 0;
  Thread(info.Env()).commands().Push(std::move(cmd));
  return info.Env().Undefined();
}

Napi::Value FuturesMpiAddon::CloseChannel(const Napi::CallbackInfo& info) {
  // closeChannel(ticket, channel, terminateWorkers)
  Command cmd;
  cmd.kind = CmdKind::kCloseChannel;
  cmd.ticket = NumberArg(info, 0, "ticket");
  cmd.channel = IntArg(info, 1, "channel");
  cmd.a = info[2].ToBoolean().Value() ? 1 : 0;
  Thread(info.Env()).commands().Push(std::move(cmd));
  return info.Env().Undefined();
}

Napi::Value FuturesMpiAddon::Collective(const Napi::CallbackInfo& info) {
  // collective(ticket, channel, op, view | null, dtype, root, reduceOp): JavaScript keeps the
  // view alive until kCollectiveDone.
  Command cmd;
  cmd.kind = CmdKind::kCollective;
  cmd.ticket = NumberArg(info, 0, "ticket");
  cmd.channel = IntArg(info, 1, "channel");
  cmd.op = IntArg(info, 2, "op");
  if (info[3].IsTypedArray()) {
    Napi::TypedArray v = info[3].As<Napi::TypedArray>();
    cmd.buf = const_cast<uint8_t*>(ViewData(v));
    cmd.count = static_cast<int64_t>(v.ElementLength());
  }
  cmd.dtype = IntArg(info, 4, "dtype");
  cmd.root = IntArg(info, 5, "root");
  cmd.reduce_op = IntArg(info, 6, "reduceOp");
  Thread(info.Env()).commands().Push(std::move(cmd));
  return info.Env().Undefined();
}

Napi::Value FuturesMpiAddon::PingPong(const Napi::CallbackInfo& info) {
  // pingPong(ticket, channel, dest, bytes, iterations)
  Command cmd;
  cmd.kind = CmdKind::kPingPong;
  cmd.ticket = NumberArg(info, 0, "ticket");
  cmd.channel = IntArg(info, 1, "channel");
  cmd.dest = IntArg(info, 2, "dest");
  cmd.a = static_cast<uint64_t>(NumberArg(info, 3, "bytes"));
  cmd.b = static_cast<uint64_t>(NumberArg(info, 4, "iterations"));
  Thread(info.Env()).commands().Push(std::move(cmd));
  return info.Env().Undefined();
}

Napi::Value FuturesMpiAddon::SetBackoff(const Napi::CallbackInfo& info) {
  Thread(info.Env()).SetBackoff(NumberArg(info, 0, "backoffUs"));
  return info.Env().Undefined();
}

Napi::Value FuturesMpiAddon::SetIdle(const Napi::CallbackInfo& info) {
  if (thread_ && !shut_down_) thread_->SetIdle(info[0].ToBoolean().Value());
  return info.Env().Undefined();
}

Napi::Value FuturesMpiAddon::Ref(const Napi::CallbackInfo& info) {
  completions_.Ref(info.Env());
  return info.Env().Undefined();
}

Napi::Value FuturesMpiAddon::Unref(const Napi::CallbackInfo& info) {
  completions_.Unref(info.Env());
  return info.Env().Undefined();
}

Napi::Value FuturesMpiAddon::Shutdown(const Napi::CallbackInfo& info) {
  // shutdown(timeoutMs) -> true when MPI ended in time (blocks the JavaScript thread: for process exit)
  const double ms = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 10000;
  return Napi::Boolean::New(info.Env(), ShutdownThread(std::chrono::milliseconds(static_cast<int64_t>(ms))));
}

Napi::Value FuturesMpiAddon::HostsInDoubt(const Napi::CallbackInfo& info) {
  // hostsInDoubt() -> 0 | 1 | 2 (Doubt in host_doubts.h); 0 when MPI is not running
  const int doubt = thread_ && !shut_down_ ? static_cast<int>(thread_->HostsInDoubt()) : 0;
  return Napi::Number::New(info.Env(), doubt);
}

Napi::Value FuturesMpiAddon::LibraryInfo(const Napi::CallbackInfo& info) {
  // MPI_Get_library_version may be called before MPI_Init (MPI-3).
  Napi::Env env = info.Env();
  char version[MPI_MAX_LIBRARY_VERSION_STRING] = {0};
  int len = 0;
  MPI_Get_library_version(version, &len);
  Napi::Object o = Napi::Object::New(env);
  std::string v(version, static_cast<size_t>(len > 0 ? len : 0));
  while (!v.empty() && (v.back() == '\n' || v.back() == '\0' || v.back() == ' ')) v.pop_back();
  o.Set("libraryVersion", v);
  o.Set("standard", std::to_string(MPI_VERSION) + "." + std::to_string(MPI_SUBVERSION));
#if defined(OPEN_MPI)
  o.Set("flavor", "Open MPI");
#elif defined(MPICH_VERSION)
  o.Set("flavor", "MPICH");
#else
  o.Set("flavor", "unknown");
#endif
  return o;
}

Napi::Value FuturesMpiAddon::PoolCached(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(RecvPool::Instance().cached()));
}

}  // namespace fmpi

using FuturesMpiAddonClass = fmpi::FuturesMpiAddon;
NODE_API_ADDON(FuturesMpiAddonClass)
