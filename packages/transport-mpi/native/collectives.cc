#include "collectives.h"

#include <climits>

namespace fmpi {

namespace {

MPI_Datatype TypeOf(int dtype) {
  switch (static_cast<DType>(dtype)) {
    case DType::kInt8: return MPI_INT8_T;
    case DType::kUint8: return MPI_UINT8_T;
    case DType::kInt16: return MPI_INT16_T;
    case DType::kUint16: return MPI_UINT16_T;
    case DType::kInt32: return MPI_INT32_T;
    case DType::kUint32: return MPI_UINT32_T;
    case DType::kFloat32: return MPI_FLOAT;
    case DType::kFloat64: return MPI_DOUBLE;
    case DType::kBigInt64: return MPI_INT64_T;
    case DType::kBigUint64: return MPI_UINT64_T;
  }
  return MPI_DATATYPE_NULL;
}

MPI_Op OpOf(int op) {
  switch (static_cast<ReduceOp>(op)) {
    case ReduceOp::kSum: return MPI_SUM;
    case ReduceOp::kProd: return MPI_PROD;
    case ReduceOp::kMax: return MPI_MAX;
    case ReduceOp::kMin: return MPI_MIN;
    case ReduceOp::kBand: return MPI_BAND;
    case ReduceOp::kBor: return MPI_BOR;
    case ReduceOp::kBxor: return MPI_BXOR;
  }
  return MPI_OP_NULL;
}

}  // namespace

std::string StartCollective(const Command& cmd, Channel& channel, RequestSet& reqs) {
  if (!channel.workers.valid()) return "this channel has no workers' communicator";
  if (cmd.count < 0 || cmd.count > INT_MAX) return "too many elements for one collective (at most 2^31-1)";
  MPI_Request req = MPI_REQUEST_NULL;
  int rc = MPI_SUCCESS;
  const int count = static_cast<int>(cmd.count);
  switch (static_cast<CollOp>(cmd.op)) {
    case CollOp::kBarrier:
      rc = MPI_Ibarrier(channel.workers.get(), &req);
      break;
    case CollOp::kBcast: {
      MPI_Datatype t = TypeOf(cmd.dtype);
      if (t == MPI_DATATYPE_NULL) return "unsupported element type";
      rc = MPI_Ibcast(cmd.buf, count, t, cmd.root, channel.workers.get(), &req);
      break;
    }
    case CollOp::kAllreduce: {
      MPI_Datatype t = TypeOf(cmd.dtype);
      MPI_Op op = OpOf(cmd.reduce_op);
      if (t == MPI_DATATYPE_NULL) return "unsupported element type";
      if (op == MPI_OP_NULL) return "unsupported reduction";
      rc = MPI_Iallreduce(MPI_IN_PLACE, cmd.buf, count, t, op, channel.workers.get(), &req);
      break;
    }
    default:
      return "unknown collective";
  }
  if (rc != MPI_SUCCESS) return MpiErrorString(rc);
  reqs.Add(req, {ReqOwner::Kind::kCollective, new PendingCollective{cmd.ticket}});
  return "";
}

}  // namespace fmpi
