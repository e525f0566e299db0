#include "completions.h"

#include <cstring>

#include "wire.h"

namespace fmpi {

void CallJsTrampoline(Napi::Env env, Napi::Function cb, Completions* ctx, void* /*data*/) {
  // JavaScript thread. env is null while the thread-safe function is being torn down.
  if (env == nullptr || ctx == nullptr) return;
  try {
    ctx->Deliver(env, cb);
  } catch (const Napi::Error& e) {
    // An exception thrown in a thread-safe function's callback would be swallowed: make it
    // an uncaught exception instead, so a bug in the handler is loud.
    napi_fatal_exception(env, e.Value());
  } catch (const std::exception& e) {
    napi_fatal_exception(env, Napi::Error::New(env, e.what()).Value());
  }
}

void Completions::Init(Napi::Env env, Napi::Function on_events) {
  tsfn_ = EventsTsfn::New(env, on_events, "futures-mpi-events", 0, 1, this);
  tsfn_.Unref(env);
  live_ = true;
}

void Completions::Ref(Napi::Env env) {
  if (live_) tsfn_.Ref(env);
}

void Completions::Unref(Napi::Env env) {
  if (live_) tsfn_.Unref(env);
}

void Completions::Release() {
  if (!live_) return;
  live_ = false;
  tsfn_.Release();
}

void Completions::Push(Event&& e) {
  // Progress thread (or the JavaScript thread before the progress thread starts): no V8.
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(std::move(e));
  has_pending_ = true;
}

void Completions::Flush() {
  // Progress thread: no V8. NonBlockingCall is the thread-safe entry into the JS thread.
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!has_pending_) return;
  }
  if (!scheduled_.exchange(true)) {
    if (tsfn_.NonBlockingCall() != napi_ok) scheduled_.store(false);
  }
}

void Completions::Deliver(Napi::Env env, Napi::Function cb) {
  // JavaScript thread from here on.
  scheduled_.store(false);
  std::vector<Event> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(queue_);
    has_pending_ = false;
  }
  if (batch.empty()) return;

  size_t arena_size = 0;
  for (const Event& e : batch) {
    if (e.kind != EventKind::kFrame) continue;
    arena_size += Pad8(e.head_len);
    for (const InBuf& b : e.bufs)
      if (b.where != InBuf::Where::kPool) arena_size += Pad8(b.len);
  }
  Napi::ArrayBuffer arena;
  uint8_t* base = nullptr;
  if (arena_size > 0) {
    arena = Napi::ArrayBuffer::New(env, arena_size);
    base = static_cast<uint8_t*>(arena.Data());
  }
  size_t pos = 0;
  auto arena_view = [&](const uint8_t* src, size_t len) -> Napi::Value {
    if (len == 0) return Napi::Uint8Array::New(env, 0);
    std::memcpy(base + pos, src, len);
    Napi::Uint8Array v = Napi::Uint8Array::New(env, len, arena, pos);
    pos += Pad8(len);
    return v;
  };

  Napi::Float64Array meta = Napi::Float64Array::New(env, batch.size() * 8);
  double* m = meta.Data();
  Napi::Array views = Napi::Array::New(env);
  Napi::Array texts = Napi::Array::New(env);
  uint32_t nviews = 0;
  uint32_t ntexts = 0;
  for (size_t i = 0; i < batch.size(); i++) {
    Event& e = batch[i];
    double* row = m + i * 8;
    row[0] = static_cast<double>(e.kind);
    row[1] = e.channel;
    row[2] = e.rank;
    row[3] = e.session;
    row[4] = e.ticket;
    row[5] = e.a;
    row[6] = e.b;
    row[7] = -1;
    if (e.has_text) {
      texts.Set(ntexts, Napi::String::New(env, e.text));
      row[7] = ntexts++;
    }
    if (e.kind != EventKind::kFrame) continue;
    row[5] = nviews;
    row[6] = static_cast<double>(e.bufs.size());
    const uint8_t* head = e.head_in_message ? e.message.data() + e.head_off : e.head_data.data();
    views.Set(nviews++, arena_view(head, e.head_len));
    for (InBuf& b : e.bufs) {
      switch (b.where) {
        case InBuf::Where::kMessage:
          views.Set(nviews++, arena_view(e.message.data() + b.off, b.len));
          break;
        case InBuf::Where::kOwned:
          views.Set(nviews++, arena_view(b.owned.data(), b.len));
          break;
        case InBuf::Where::kPool: {
          auto* hint = new PoolBlock(b.block);
          b.block = PoolBlock{};  // ownership moves to the ArrayBuffer's finalizer
          b.where = InBuf::Where::kMessage;
          Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(
              env, hint->data, b.len,
              [](Napi::Env /*env*/, void* /*data*/, PoolBlock* block) {
                // JavaScript thread (GC finalizer): the block goes back to the pool.
                RecvPool::Instance().Release(*block);
                delete block;
              },
              hint);
          views.Set(nviews++, Napi::Uint8Array::New(env, b.len, ab, 0));
          break;
        }
      }
    }
  }
  cb.Call({meta, views, texts});
}

}  // namespace fmpi
