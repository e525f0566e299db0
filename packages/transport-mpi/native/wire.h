// Wire format of the MPI transport: what one Frame becomes on an MPI communicator.
//
// A Frame {head, bufs} travels as:
//   1. one "head message" (tag kTagHead): a Preamble, then one u64 per out-of-band buffer
//      (its length, with kInlineBit set when its bytes are copied into this message), then
//      the head bytes (unless kFlagHeadAsData), then the inline buffers' bytes, each padded
//      to 8 bytes;
//   2. then, in order, on tag kTagData: the head bytes when kFlagHeadAsData is set, then each
//      non-inline buffer, straight from its memory, cut into chunks of at most kChunkBytes
//      (MPI counts are ints: this is how messages over 2 GiB work with any MPI).
// MPI keeps messages between two ranks on one tag and communicator in order, and the
// receiver posts the data receives of a frame as soon as it has matched its head message,
// before matching the next head: so data chunks always land in the right frame.
// Control messages (tag kTagCtrl) are fixed-size ControlMsg records.
#pragma once

#include <cstddef>
#include <cstdint>

#include "enum_table.h"

namespace fmpi {

constexpr int kTagHead = 7001;
constexpr int kTagData = 7002;
constexpr int kTagCtrl = 7003;
constexpr int kTagBench = 7004;
constexpr int kTagGroup = 7005;  // MPI_Comm_create_group of the workers' communicator

constexpr uint32_t kMagic = 0x464d5031;  // "FMP1"

/** Largest single MPI message of payload bytes (fits an int count). */
constexpr uint64_t kChunkBytes = uint64_t{1} << 30;
/** Out-of-band buffers smaller than this are copied into the head message (one MPI message instead of two). */
constexpr uint64_t kInlineMax = 8 * 1024;
/** A head message never grows beyond this by inlining; larger heads travel as data. */
constexpr uint64_t kHeadMessageMax = 1 << 20;
constexpr uint64_t kInlineBit = uint64_t{1} << 63;

/**
 * Frame flags (Preamble::flags), exported as `enums.frameFlag` and checked against
 * src/native.ts at load:
 * - HeadAsData: the head travels as the first data message (too large for the head message).
 * - Bye: not a frame: the worker closed this session (sent after its last results, so it
 *   arrives after them).
 * - Final: not a frame: a worker's last message on a channel, its answer to kTerminate. Sent
 *   on the head tag, it arrives after everything the worker sent before; the controller
 *   frees the channel only once it has every worker's final, so no unmatched message
 *   outlives the communicator (MPI may reuse its context id for the next one, and a stale
 *   message would match there).
 * - Dying: not a frame: the worker is about to die (exit, uncaught error); the head bytes say
 *   why (UTF-8). Sent on the head tag, after everything it sent before. The controller marks
 *   the rank lost at once, with that reason, instead of noticing the death later.
 */
#define FMPI_FRAME_FLAGS(X)                 \
  X(kFlagHeadAsData, "HeadAsData", 1)       \
  X(kFlagBye, "Bye", 2)                     \
  X(kFlagFinal, "Final", 4)                 \
  X(kFlagDying, "Dying", 8)

#define FMPI_FRAME_FLAG_CONSTANT(member, js, value) constexpr uint32_t member = value;
FMPI_FRAME_FLAGS(FMPI_FRAME_FLAG_CONSTANT)
#undef FMPI_FRAME_FLAG_CONSTANT
inline constexpr EnumEntry kFrameFlagEntries[] = {FMPI_FRAME_FLAGS(FMPI_ENUM_ENTRY)};

struct Preamble {
  uint32_t magic;
  uint32_t session;
  uint32_t nbufs;
  uint32_t flags;
  uint64_t headLen;
};
static_assert(sizeof(Preamble) == 24, "preamble layout");

inline uint64_t Pad8(uint64_t n) { return (n + 7) & ~uint64_t{7}; }

/**
 * Control message kinds (exported as `enums.ctrl`, checked against src/native.ts at load):
 * - Hello: either side, once per channel: a = pid, host = hostname, daemon = its Open MPI
 *   daemon's contact.
 * - Heartbeat: worker -> controller (and static rank 0 -> servers), from the progress thread
 *   (not JS), every heartbeat interval.
 * - Terminate: controller -> worker: the controller is gone or stopping this channel's
 *   workers; a = kTerminateAbandon: it exits with a rank lost.
 * - SessionClose: controller -> worker: drop session `session` without waiting (forced stop).
 * - PingPong: controller -> worker: run a raw ping-pong, a = bytes, b = iterations.
 */
#define FMPI_CTRL_KINDS(X)                \
  X(kHello, "Hello", 1)                   \
  X(kHeartbeat, "Heartbeat", 2)           \
  X(kTerminate, "Terminate", 3)           \
  X(kSessionClose, "SessionClose", 4)     \
  X(kPingPong, "PingPong", 5)

enum class Ctrl : uint32_t { FMPI_CTRL_KINDS(FMPI_ENUM_MEMBER) };
inline constexpr EnumEntry kCtrlEntries[] = {FMPI_CTRL_KINDS(FMPI_ENUM_ENTRY)};

/** kTerminate's `a` from a static controller exiting with a rank lost: Open MPI ends the job, not MPI_Finalize. */
constexpr uint64_t kTerminateAbandon = 1;

struct ControlMsg {
  uint32_t magic;
  uint32_t kind;
  uint32_t session;
  uint32_t pad;
  uint64_t a;
  uint64_t b;
  char host[96];
  char daemon[128];  // LocalDaemonContact() (reachability.h), truncated; "" outside Open MPI
};
static_assert(sizeof(ControlMsg) == 256, "control layout");

}  // namespace fmpi
