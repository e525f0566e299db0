#include "recv_pool.h"

#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

namespace fmpi {

RecvPool::RecvPool() {
  if (const char* env = std::getenv("FUTURES_MPI_POOL_BYTES")) {
    char* end = nullptr;
    unsigned long long v = std::strtoull(env, &end, 10);
    if (end != env) max_cached_ = static_cast<size_t>(v);
  }
}

RecvPool& RecvPool::Instance() {
  static RecvPool* pool = new RecvPool();  // intentionally leaked: outlives every finalizer
  return *pool;
}

size_t RecvPool::CapacityFor(size_t len) {
  if (len <= kMinPooled) return kMinPooled;
  size_t pow = kMinPooled;
  while (pow * 2 <= len) pow *= 2;
  const size_t step = pow / 8;
  return (len + step - 1) / step * step;
}

uint8_t* RecvPool::Map(size_t capacity) {
  void* p = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) throw std::bad_alloc();
  // Touch every page now, in one kernel call (older kernels: fault them in a loop).
  if (madvise(p, capacity, MADV_POPULATE_WRITE) != 0) {
    auto* bytes = static_cast<volatile uint8_t*>(p);
    for (size_t i = 0; i < capacity; i += 4096) bytes[i] = 0;
  }
  return static_cast<uint8_t*>(p);
}

void RecvPool::Unmap(PoolBlock block) { munmap(block.data, block.capacity); }

PoolBlock RecvPool::Acquire(size_t len) {
  const size_t cap = CapacityFor(len);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = free_.find(cap);
    if (it != free_.end() && !it->second.empty()) {
      uint8_t* p = it->second.back();
      it->second.pop_back();
      cached_ -= cap;
      return {p, cap};
    }
  }
  return {Map(cap), cap};
}

void RecvPool::Release(PoolBlock block) {
  if (block.data == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cached_ + block.capacity <= max_cached_) {
      free_[block.capacity].push_back(block.data);
      cached_ += block.capacity;
      return;
    }
  }
  Unmap(block);
}

void RecvPool::SetMaxCached(size_t bytes) {
  std::vector<PoolBlock> drop;
  {
    std::lock_guard<std::mutex> lock(mu_);
    max_cached_ = bytes;
    for (auto it = free_.begin(); it != free_.end() && cached_ > max_cached_; ++it) {
      while (!it->second.empty() && cached_ > max_cached_) {
        drop.push_back({it->second.back(), it->first});
        it->second.pop_back();
        cached_ -= it->first;
      }
    }
  }
  for (PoolBlock b : drop) Unmap(b);
}

size_t RecvPool::cached() const {
  std::lock_guard<std::mutex> lock(mu_);
  return cached_;
}

}  // namespace fmpi
