#include "pingpong.h"

#include <mpi.h>

#include <cstring>
#include <vector>

#include "wire.h"

namespace fmpi {

namespace {
constexpr uint64_t kWarmup = 3;

std::vector<uint8_t> Touched(uint64_t bytes) {
  std::vector<uint8_t> buf(bytes);
  std::memset(buf.data(), 1, bytes);
  return buf;
}
}  // namespace

double PingPongInitiator(Channel& channel, int peer, uint64_t bytes, uint64_t iters) {
  std::vector<uint8_t> buf = Touched(bytes);
  const int n = static_cast<int>(bytes);
  MPI_Comm comm = channel.comm.get();
  double start = 0;
  for (uint64_t i = 0; i < iters + kWarmup; i++) {
    if (i == kWarmup) start = MPI_Wtime();
    MPI_Send(buf.data(), n, MPI_BYTE, peer, kTagBench, comm);
    MPI_Recv(buf.data(), n, MPI_BYTE, peer, kTagBench, comm, MPI_STATUS_IGNORE);
  }
  return MPI_Wtime() - start;
}

void PingPongResponder(Channel& channel, int peer, uint64_t bytes, uint64_t iters) {
  std::vector<uint8_t> buf = Touched(bytes);
  const int n = static_cast<int>(bytes);
  MPI_Comm comm = channel.comm.get();
  for (uint64_t i = 0; i < iters + kWarmup; i++) {
    MPI_Recv(buf.data(), n, MPI_BYTE, peer, kTagBench, comm, MPI_STATUS_IGNORE);
    MPI_Send(buf.data(), n, MPI_BYTE, peer, kTagBench, comm);
  }
}

}  // namespace fmpi
