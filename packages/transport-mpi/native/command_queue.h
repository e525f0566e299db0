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
#include <utility>
#include <vector>

namespace fmpi {

struct BufRef {
  const uint8_t* data;
  uint64_t len;
};

enum class CmdKind {
  kSend,        // a frame (or bye) to (link, dest)
  kControl,     // a control message to (link, dest)
  kSpawn,       // MPI_Comm_spawn workers
  kOpenWorld,   // a link over MPI_COMM_WORLD (static mode); a = 1 for a server
  kOpenComm,    // a link over a dup (or split: op = color, dtype = key) of MPI_COMM_WORLD rooted at `root`
  kCloseLink,   // end a link: terminate its workers (controller side) and disconnect / free it
  kCollective,  // barrier / bcast / allreduce on a link's workers communicator
  kPingPong,    // raw MPI ping-pong with (link, dest), for benchmarks
};

/** Collective operations (mirrored in src/native.ts). */
enum class CollOp : int { kBarrier = 0, kBcast = 1, kAllreduce = 2 };

struct Command {
  CmdKind kind = CmdKind::kSend;
  int link = -1;
  int dest = -1;
  uint32_t session = 0;
  double ticket = 0;
  // kSend
  std::vector<uint8_t> message;
  std::vector<BufRef> data;
  // kControl / kPingPong / kCloseLink
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

}  // namespace fmpi
