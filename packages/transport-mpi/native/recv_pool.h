// Receive memory for large out-of-band buffers.
//
// Memory that was never written costs a page fault per 4 KiB page on first touch (~50 ms
// per 16 MiB on the reference virtual machines, and worse when the faults happen inside
// MPI's single-copy transfer): receiving every large message into fresh memory caps
// bandwidth near 0.3 GB/s whatever the MPI. So large receive buffers come from this pool of
// already-touched blocks, handed to JavaScript as external ArrayBuffers, and come back here
// from their finalizer when JavaScript drops them. A fresh block is mapped and populated in
// one call (MADV_POPULATE_WRITE / MAP_POPULATE), several times faster than faulting pages
// one by one.
//
// Threading: Acquire runs on the progress thread, Release on the JavaScript thread (an
// ArrayBuffer finalizer): the free lists are guarded by a mutex; no V8 here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <type_traits>
#include <vector>

namespace fmpi {

struct PoolBlock {
  uint8_t* data = nullptr;
  size_t capacity = 0;
};

// A plain handle, passed by value: whoever holds it (an InBuf, then an ArrayBuffer's
// finalizer) gives it back with Release exactly once; the pool never tracks it.
static_assert(std::is_trivially_copyable_v<PoolBlock>);

class RecvPool {
 public:
  /** Buffers of at least this size come from the pool; smaller ones are copied into a batch arena. */
  static constexpr size_t kMinPooled = 64 * 1024;

  /** The process-wide pool (never destroyed: finalizers may run at any point of teardown). */
  static RecvPool& Instance();

  PoolBlock Acquire(size_t len);
  void Release(PoolBlock block);
  /** How many bytes of free blocks may be kept for reuse (FUTURES_MPI_POOL_BYTES, default 1 GiB). */
  void SetMaxCached(size_t bytes);
  size_t cached() const;

 private:
  RecvPool();
  /** Rounds up to 1/8 of the length's power of two (at most 12.5% waste), so repeated sizes reuse blocks. */
  static size_t CapacityFor(size_t len);
  static uint8_t* Map(size_t capacity);
  static void Unmap(PoolBlock block);

  mutable std::mutex mu_;
  std::map<size_t, std::vector<uint8_t*>> free_;
  size_t cached_ = 0;
  size_t max_cached_ = size_t{1} << 30;
};

// One process-wide instance (Instance()), shared by two threads: never copied or moved.
static_assert(!std::is_copy_constructible_v<RecvPool> && !std::is_move_constructible_v<RecvPool>);

}  // namespace fmpi
