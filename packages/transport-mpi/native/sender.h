// Outgoing frames: building the head message (JavaScript thread, plain C++) and the state
// of a frame being sent (progress thread).
#pragma once

#include <cstdint>
#include <type_traits>
#include <vector>

#include "command_queue.h"

namespace fmpi {

/**
 * Builds the head message of a frame into `cmd.message` and lists, in wire order, the
 * memory that must follow as data messages in `cmd.data`. Buffers below kInlineMax are
 * copied into the head message; the others are referenced, not copied. Returns true when
 * `cmd.data` references caller memory (the caller must keep it alive until kSent).
 * Runs on the JavaScript thread but touches no V8 state.
 */
bool BuildFrameMessage(Command& cmd, uint32_t session, uint32_t flags, const uint8_t* head, uint64_t head_len,
                       const std::vector<BufRef>& bufs);

/** A frame in flight on the progress thread. */
struct OutgoingFrame {
  OutgoingFrame() = default;
  OutgoingFrame(const OutgoingFrame&) = delete;
  OutgoingFrame& operator=(const OutgoingFrame&) = delete;
  std::vector<uint8_t> message;
  std::vector<BufRef> data;
  int pending = 0;
  double ticket = 0;
  int channel = -1;
};

// Its address is every one of its send requests' owner, and its buffers are in flight:
// allocated once, deleted when the last send completed, never copied.
static_assert(!std::is_copy_constructible_v<OutgoingFrame> && !std::is_copy_assignable_v<OutgoingFrame>);

}  // namespace fmpi
