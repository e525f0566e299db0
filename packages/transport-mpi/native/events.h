// Events: what the progress thread reports to JavaScript. Built on the progress thread,
// converted to JavaScript values on the JavaScript thread (completions.cc).
// The numeric kinds are mirrored in src/native.ts (EventKind).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "recv_pool.h"

namespace fmpi {

enum class EventKind : int {
  kReady = 1,           // MPI is initialized: a = world rank, b = world size, session = MPI_UNIVERSE_SIZE or -1, link = parent link (spawned worker) or -1, text = details
  kFrame = 2,           // a frame from (link, rank) for session
  kSent = 3,            // the send with this ticket completed: JavaScript may drop its buffers
  kLinkOpen = 4,        // ticket's link is open: link, a = local rank / spawned count, b = size, text = error when link < 0
  kBye = 5,             // (link, rank) closed session
  kRankLost = 6,        // (link, rank) is gone: text says why
  kTerminate = 7,       // worker side: the controller of link ended it (process-owned roles then exit)
  kLinkClosed = 8,      // ticket's link was closed (disconnected or freed)
  kCollectiveDone = 9,  // ticket's collective finished; text = error when it failed
  kPingPongDone = 10,   // ticket's ping-pong finished: a = seconds for b iterations, text = error
  kError = 11,          // an MPI failure not tied to a request: text
  kFinalized = 12,      // MPI_Finalize ran; the progress thread is ending
  kSessionClose = 13,   // worker side: the controller dropped session on link (forced stop)
  kHello = 14,          // (link, rank) said hello: a = pid, text = host
};

/** One received out-of-band buffer: bytes inside the event's message, a small owned copy, or a pool block. */
struct InBuf {
  enum class Where { kMessage, kOwned, kPool } where = Where::kMessage;
  size_t off = 0;  // kMessage: offset in Event::message
  size_t len = 0;
  std::vector<uint8_t> owned;
  PoolBlock block;
};

struct Event {
  EventKind kind;
  int link = -1;
  int rank = -1;
  uint32_t session = 0;
  double ticket = 0;
  double a = 0;
  double b = 0;
  bool has_text = false;
  std::string text;
  // kFrame only:
  std::vector<uint8_t> message;  // the head message (preamble, lengths, head, inline buffers)
  bool head_in_message = true;
  size_t head_off = 0;
  size_t head_len = 0;
  std::vector<uint8_t> head_data;  // the head when it travelled as data
  std::vector<InBuf> bufs;

  explicit Event(EventKind k) : kind(k) {}
  Event(Event&&) = default;
  Event& operator=(Event&&) = default;
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  ~Event() {
    for (auto& b : bufs)
      if (b.where == InBuf::Where::kPool) RecvPool::Instance().Release(b.block);
  }

  Event& Text(std::string t) {
    has_text = true;
    text = std::move(t);
    return *this;
  }
};

}  // namespace fmpi
