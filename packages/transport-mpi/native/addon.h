// The addon's per-environment state and its JavaScript surface (declared in src/native.ts).
// One environment per process may own MPI (MPI has one life per process); a second one
// (e.g. a worker thread) gets a clear error.
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>

#include "completions.h"
#include "progress_thread.h"

namespace fmpi {

class FuturesMpiAddon : public Napi::Addon<FuturesMpiAddon> {
 public:
  FuturesMpiAddon(Napi::Env env, Napi::Object exports);
  ~FuturesMpiAddon();

 private:
  // All of these run on the JavaScript thread.
  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Control(const Napi::CallbackInfo& info);
  Napi::Value Spawn(const Napi::CallbackInfo& info);
  Napi::Value OpenWorld(const Napi::CallbackInfo& info);
  Napi::Value OpenComm(const Napi::CallbackInfo& info);
  Napi::Value CloseChannel(const Napi::CallbackInfo& info);
  Napi::Value Collective(const Napi::CallbackInfo& info);
  Napi::Value PingPong(const Napi::CallbackInfo& info);
  Napi::Value SetBackoff(const Napi::CallbackInfo& info);
  Napi::Value SetIdle(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  Napi::Value Shutdown(const Napi::CallbackInfo& info);
  Napi::Value HostsInDoubt(const Napi::CallbackInfo& info);
  Napi::Value LibraryInfo(const Napi::CallbackInfo& info);
  Napi::Value PoolCached(const Napi::CallbackInfo& info);

  ProgressThread& Thread(const Napi::Env& env);
  bool ShutdownThread(std::chrono::milliseconds timeout);

  static std::atomic<bool> claimed_;
  bool owner_ = false;
  Completions completions_;
  std::unique_ptr<ProgressThread> thread_;
  bool shut_down_ = false;
};

}  // namespace fmpi
