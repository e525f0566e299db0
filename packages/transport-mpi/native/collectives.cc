#include "collectives.h"

#include <climits>

namespace fmpi {

namespace {

// Typed array kinds (mirrored in src/native.ts: DType).
MPI_Datatype TypeOf(int dtype) {
  switch (dtype) {
    case 0: return MPI_INT8_T;
    case 1: return MPI_UINT8_T;
    case 2: return MPI_INT16_T;
    case 3: return MPI_UINT16_T;
    case 4: return MPI_INT32_T;
    case 5: return MPI_UINT32_T;
    case 6: return MPI_FLOAT;
    case 7: return MPI_DOUBLE;
    case 8: return MPI_INT64_T;
    case 9: return MPI_UINT64_T;
    default: return MPI_DATATYPE_NULL;
  }
}

// Reduction operations (mirrored in src/native.ts: ReduceOp).
MPI_Op OpOf(int op) {
  switch (op) {
    case 0: return MPI_SUM;
    case 1: return MPI_PROD;
    case 2: return MPI_MAX;
    case 3: return MPI_MIN;
    case 4: return MPI_BAND;
    case 5: return MPI_BOR;
    case 6: return MPI_BXOR;
    default: return MPI_OP_NULL;
  }
}

}  // namespace

std::string StartCollective(const Command& cmd, Link& link, RequestSet& reqs) {
  if (!link.workers.valid()) return "this link has no workers' communicator";
  if (cmd.count < 0 || cmd.count > INT_MAX) return "too many elements for one collective (at most 2^31-1)";
  MPI_Request req = MPI_REQUEST_NULL;
  int rc = MPI_SUCCESS;
  const int count = static_cast<int>(cmd.count);
  switch (static_cast<CollOp>(cmd.op)) {
    case CollOp::kBarrier:
      rc = MPI_Ibarrier(link.workers.get(), &req);
      break;
    case CollOp::kBcast: {
      MPI_Datatype t = TypeOf(cmd.dtype);
      if (t == MPI_DATATYPE_NULL) return "unsupported element type";
      rc = MPI_Ibcast(cmd.buf, count, t, cmd.root, link.workers.get(), &req);
      break;
    }
    case CollOp::kAllreduce: {
      MPI_Datatype t = TypeOf(cmd.dtype);
      MPI_Op op = OpOf(cmd.reduce_op);
      if (t == MPI_DATATYPE_NULL) return "unsupported element type";
      if (op == MPI_OP_NULL) return "unsupported reduction";
      rc = MPI_Iallreduce(MPI_IN_PLACE, cmd.buf, count, t, op, link.workers.get(), &req);
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
