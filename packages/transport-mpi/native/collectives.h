// Collectives on a worker channel's workers communicator (the getCommWorkers() analogue):
// nonblocking barrier / bcast / allreduce started and completed on the progress thread,
// so a task awaiting one leaves its event loop free. Progress thread only.
#pragma once

#include <string>

#include "channels.h"
#include "command_queue.h"
#include "enum_table.h"
#include "request_set.h"

namespace fmpi {

/** Element types of collective buffers (exported as `enums.dtype`, checked against src/native.ts at load). */
#define FMPI_DTYPES(X)          \
  X(kInt8, "Int8", 0)           \
  X(kUint8, "Uint8", 1)         \
  X(kInt16, "Int16", 2)         \
  X(kUint16, "Uint16", 3)       \
  X(kInt32, "Int32", 4)         \
  X(kUint32, "Uint32", 5)       \
  X(kFloat32, "Float32", 6)     \
  X(kFloat64, "Float64", 7)     \
  X(kBigInt64, "BigInt64", 8)   \
  X(kBigUint64, "BigUint64", 9)

enum class DType : int { FMPI_DTYPES(FMPI_ENUM_MEMBER) };
inline constexpr EnumEntry kDTypeEntries[] = {FMPI_DTYPES(FMPI_ENUM_ENTRY)};

/** Reductions (exported as `enums.reduceOp`, checked against src/native.ts at load). */
#define FMPI_REDUCE_OPS(X) \
  X(kSum, "sum", 0)        \
  X(kProd, "prod", 1)      \
  X(kMax, "max", 2)        \
  X(kMin, "min", 3)        \
  X(kBand, "band", 4)      \
  X(kBor, "bor", 5)        \
  X(kBxor, "bxor", 6)

enum class ReduceOp : int { FMPI_REDUCE_OPS(FMPI_ENUM_MEMBER) };
inline constexpr EnumEntry kReduceOpEntries[] = {FMPI_REDUCE_OPS(FMPI_ENUM_ENTRY)};

struct PendingCollective {
  double ticket = 0;
};

/** Starts the collective of `cmd` on `channel.workers`; returns an error text, empty when started. */
std::string StartCollective(const Command& cmd, Channel& channel, RequestSet& reqs);

}  // namespace fmpi
