// Completions: the one way from the progress thread to JavaScript.
//
// The progress thread pushes Events and calls Flush(); at most one call to JavaScript is
// scheduled at a time through a single thread-safe function, and it delivers every event
// queued until then as one batch: (meta: Float64Array, views: Uint8Array[], texts: string[]).
// Small heads and buffers of a batch share one ArrayBuffer (one allocation per batch);
// large buffers are pool blocks wrapped as external ArrayBuffers (no copy).
#pragma once

#include <napi.h>

#include <atomic>
#include <mutex>
#include <vector>

#include "events.h"

namespace fmpi {

class Completions;
void CallJsTrampoline(Napi::Env env, Napi::Function cb, Completions* ctx, void* data);
using EventsTsfn = Napi::TypedThreadSafeFunction<Completions, void, CallJsTrampoline>;

class Completions {
 public:
  /** JavaScript thread: creates the thread-safe function around `onEvents` (starts unref'd). */
  void Init(Napi::Env env, Napi::Function on_events);
  /** JavaScript thread: keep / stop keeping the event loop alive. */
  void Ref(Napi::Env env);
  void Unref(Napi::Env env);
  /** JavaScript thread: releases the thread-safe function (after the progress thread ended). */
  void Release();

  /** Progress thread: queues an event (never touches V8). */
  void Push(Event&& e);
  /** Progress thread: schedules one JavaScript call if events are queued and none is scheduled. */
  void Flush();

  /** JavaScript thread: converts and delivers the queued events (the thread-safe function's callback). */
  void Deliver(Napi::Env env, Napi::Function cb);

 private:
  std::mutex mu_;
  std::vector<Event> queue_;
  std::atomic<bool> scheduled_{false};
  bool has_pending_ = false;  // guarded by mu_
  EventsTsfn tsfn_;
  bool live_ = false;  // JavaScript thread only
};

}  // namespace fmpi
