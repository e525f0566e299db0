// Events: what the progress thread reports to JavaScript. Built on the progress thread,
// converted to JavaScript values on the JavaScript thread (completions.cc).
// The kinds are exported as `enums.eventKind` and checked against src/native.ts at load.
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "enum_table.h"
#include "recv_pool.h"

namespace fmpi {

// What the numbers of each kind mean (decoded once, into named fields, by decodeEvent in
// src/native.ts):
//   Ready           a = world rank, b = world size, ticket = MPI thread level provided,
//                   session = MPI_UNIVERSE_SIZE (0: not set), channel = the parent channel
//                   (a spawned worker) or -1, text = the MPI library version
//   Frame           a frame from (channel, rank) for session (its head and buffers travel as views)
//   Sent            the send with this ticket completed: JavaScript may drop its buffers
//   ChannelOpen     ticket's channel is open: a = this process's rank in it, b = its size
//                   (the remote group's, for an intercommunicator); channel < 0 and
//                   text = why when it failed
//   Bye             (channel, rank) closed session
//   RankLost        (channel, rank) is gone: a = its pid (0: unknown), b = 1 when lost by
//                   heartbeat timeout (its host may be unreachable), 0 when seen to exit;
//                   text = why
//   Terminate       worker side: the controller of channel ended it (process-owned roles then exit)
//   ChannelClosed   channel was closed (disconnected or freed): ticket = the closeChannel
//                   request, or 0 when the controller ended it (worker side)
//   CollectiveDone  ticket's collective finished; text = error when it failed
//   PingPongDone    ticket's ping-pong finished: a = seconds for b iterations; text = error
//   Error           an MPI failure not tied to a request: text
//   Finalized       MPI_Finalize ran; the progress thread is ending
//   SessionClose    worker side: the controller dropped session on channel (forced stop)
//   Hello           (channel, rank) said hello: a = pid, text = host
#define FMPI_EVENT_KINDS(X)               \
  X(kReady, "Ready", 1)                   \
  X(kFrame, "Frame", 2)                   \
  X(kSent, "Sent", 3)                     \
  X(kChannelOpen, "ChannelOpen", 4)       \
  X(kBye, "Bye", 5)                       \
  X(kRankLost, "RankLost", 6)             \
  X(kTerminate, "Terminate", 7)           \
  X(kChannelClosed, "ChannelClosed", 8)   \
  X(kCollectiveDone, "CollectiveDone", 9) \
  X(kPingPongDone, "PingPongDone", 10)    \
  X(kError, "Error", 11)                  \
  X(kFinalized, "Finalized", 12)          \
  X(kSessionClose, "SessionClose", 13)    \
  X(kHello, "Hello", 14)

enum class EventKind : int { FMPI_EVENT_KINDS(FMPI_ENUM_MEMBER) };
inline constexpr EnumEntry kEventKindEntries[] = {FMPI_EVENT_KINDS(FMPI_ENUM_ENTRY)};

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
  int channel = -1;
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

// Events own pool blocks (released by the destructor): they move through the queues, never copy.
static_assert(!std::is_copy_constructible_v<Event> && !std::is_copy_assignable_v<Event>);
static_assert(std::is_nothrow_move_constructible_v<Event> && std::is_nothrow_move_assignable_v<Event>);

}  // namespace fmpi
