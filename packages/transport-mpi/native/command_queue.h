// Commands: the one way from JavaScript to the progress thread.
//
// The JavaScript thread builds a Command (copying what it must: the head message; taking
// raw pointers to out-of-band buffers that JavaScript keeps alive until a kSent event) and
// pushes it; the progress thread takes every queued command at once. The queue doubles as
// the progress thread's idle sleep: a push wakes it at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "enum_table.h"

namespace fmpi {

struct BufRef {
  const uint8_t* data;
  uint64_t len;
};

enum class CmdKind {
  kSend,          // a frame (or bye) to (channel, dest)
  kControl,       // a control message to (channel, dest)
  kSpawn,         // MPI_Comm_spawn workers
  kOpenWorld,     // a channel over MPI_COMM_WORLD (static mode); a = 1 for a server
  kOpenComm,      // a channel over a dup (or split: op = color, dtype = key) of MPI_COMM_WORLD rooted at `root`
  kCloseChannel,  // end a channel: terminate its workers (controller side) and disconnect / free it
  kCollective,    // barrier / bcast / allreduce on a channel's workers communicator
  kPingPong,      // raw MPI ping-pong with (channel, dest), for benchmarks
};

/** Collective operations (exported as `enums.collOp`, checked against src/native.ts at load). */
#define FMPI_COLL_OPS(X)     \
  X(kBarrier, "Barrier", 0) \
  X(kBcast, "Bcast", 1)     \
  X(kAllreduce, "Allreduce", 2)

enum class CollOp : int { FMPI_COLL_OPS(FMPI_ENUM_MEMBER) };
inline constexpr EnumEntry kCollOpEntries[] = {FMPI_COLL_OPS(FMPI_ENUM_ENTRY)};

struct Command {
  CmdKind kind = CmdKind::kSend;
  int channel = -1;
  int dest = -1;
  uint32_t session = 0;
  double ticket = 0;
  // kSend
  std::vector<uint8_t> message;
  std::vector<BufRef> data;
  // kControl / kPingPong / kCloseChannel
  uint32_t ctrl = 0;
  uint64_t a = 0;
  uint64_t b = 0;
  bool force = false;
  // kSpawn
  std::string command;
  std::vector<std::string> argv;
  int maxprocs = 0;
  std::vector<std::pair<std::string, std::string>> info;
  // kOpenComm / kCollective
  int root = 0;
  int op = 0;
  int dtype = 0;
  int reduce_op = 0;
  void* buf = nullptr;
  int64_t count = 0;
};

// Commands move from the JavaScript thread into the queue, and out of it, never copied.
static_assert(std::is_nothrow_move_constructible_v<Command> && std::is_nothrow_move_assignable_v<Command>);

class CommandQueue {
 public:
  /** JavaScript thread: queues a command and wakes the progress thread. */
  void Push(Command&& c) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back(std::move(c));
    }
    cv_.notify_one();
  }

  /** Progress thread: takes every queued command. */
  bool TakeAll(std::deque<Command>& out) {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.empty()) return false;
    out.swap(queue_);
    return true;
  }

  /** Progress thread: sleeps until a command or a wake() arrives, or the timeout passes. */
  void WaitFor(std::chrono::microseconds d) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!queue_.empty() || woken_) {
      woken_ = false;
      return;
    }
    cv_.wait_for(lock, d, [this] { return !queue_.empty() || woken_; });
    woken_ = false;
  }

  /** Any thread: interrupts WaitFor. */
  void Wake() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      woken_ = true;
    }
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Command> queue_;
  bool woken_ = false;
};

// Shared by two threads through a reference: never copied or moved.
static_assert(!std::is_copy_constructible_v<CommandQueue> && !std::is_move_constructible_v<CommandQueue>);

}  // namespace fmpi
