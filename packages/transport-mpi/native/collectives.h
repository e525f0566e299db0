// Collectives on a worker link's workers communicator (the getCommWorkers() analogue):
// nonblocking barrier / bcast / allreduce started and completed on the progress thread,
// so a task awaiting one leaves its event loop free. Progress thread only.
#pragma once

#include <string>

#include "command_queue.h"
#include "links.h"
#include "request_set.h"

namespace fmpi {

struct PendingCollective {
  double ticket = 0;
};

/** Starts the collective of `cmd` on `link.workers`; returns an error text, empty when started. */
std::string StartCollective(const Command& cmd, Link& link, RequestSet& reqs);

}  // namespace fmpi
