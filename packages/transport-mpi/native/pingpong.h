// Raw MPI ping-pong between two progress threads, for the benchmark's "limit" row: the
// bandwidth MPI itself reaches between two ranks with already-touched buffers, measured
// with the same library and communicator the transport uses. Progress thread only
// (it blocks that thread for the duration of the run).
#pragma once

#include <cstdint>

#include "channels.h"

namespace fmpi {

/** The initiating side: returns the seconds taken by `iters` round trips of `bytes` each way. */
double PingPongInitiator(Channel& channel, int peer, uint64_t bytes, uint64_t iters);
/** The answering side. */
void PingPongResponder(Channel& channel, int peer, uint64_t bytes, uint64_t iters);

}  // namespace fmpi
