// After a rank on another host went silent, is its host still reachable?
//
// Why it matters: a rank lost by heartbeat was either killed (its host is fine) or cut off
// (cable, switch, power). Either way the job must end, and Open MPI 4 ends it when a rank
// exits without MPI_Finalize. After a cut, exiting at once makes a daemon write to the dead
// link, and a TCP socket with unacknowledged data sends no keepalives: Open MPI would never
// notice the lost daemon and the job would hang (~15 min, until TCP gives up). So a process
// that lost a rank this way waits for Open MPI's keepalive (LauncherLifelineSeconds) before
// it exits, unless it sees that the rank's host still answers: then the rank died, its
// daemon is reachable, and Open MPI ends the job at once. Two signs of life count:
//   - another rank on the same host is still heard from (its heartbeats go on), sent after
//     the silent rank's last message + 2 heartbeat intervals: after a cut nothing of that
//     host arrives that late (its ranks beat once per interval, and fell silent together);
//   - a TCP connection to that host's Open MPI daemon is accepted (ReachProbe): the very
//     daemon Open MPI must reach to end the job (where mpiexec runs on this host, as usual).
// Nothing else does (no answer, refused, unreachable): then the process waits, as before.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "channels.h"
#include "engine_options.h"
#include "enum_table.h"
#include "reachability.h"

namespace fmpi {

/**
 * HostsInDoubt(): whether this process may exit at once after a rank was lost by heartbeat
 * (exported as `enums.hostDoubt`, checked against src/native.ts at load):
 * - None: no rank lost by heartbeat, or every such rank's host was seen reachable.
 * - Pending: still looking (at most 2 heartbeat intervals + 1.5 s after the loss).
 * - Unknown: some such host gave no sign of life: it may be cut off.
 */
#define FMPI_DOUBTS(X)        \
  X(kNone, "None", 0)         \
  X(kPending, "Pending", 1)   \
  X(kUnknown, "Unknown", 2)

enum class Doubt : int { FMPI_DOUBTS(FMPI_ENUM_MEMBER) };
inline constexpr EnumEntry kDoubtEntries[] = {FMPI_DOUBTS(FMPI_ENUM_ENTRY)};

class HostDoubts {
 public:
  HostDoubts(const ChannelTable& channels, const EngineOptions& opts) : channels_(channels), opts_(opts) {}
  HostDoubts(const HostDoubts&) = delete;
  HostDoubts& operator=(const HostDoubts&) = delete;

  // Runs on the progress thread; never touch V8 here.
  /** A peer on another host went silent: is its host still reachable? Starts looking; the verdict so far. */
  Doubt Check(const Peer& p, double now);
  /** Moves every look on (now: the time; blocked: how long the progress thread was blocked before). */
  void Update(double now, double blocked);

  /** Any thread (the JavaScript thread at exit): the verdict over every host looked at. */
  Doubt verdict() const { return static_cast<Doubt>(verdict_.load()); }

 private:
  /** A host one of whose ranks went silent: reachable, or maybe cut off. */
  struct Look {
    std::string host;                    // the silent rank's host key
    double silent_since = 0;             // the silent rank's last message
    double evidence_after = 0;           // another rank of that host heard after this: reachable
    double decide_by = 0;                // no sign of life by then: unknown
    std::unique_ptr<ReachProbe> probe;   // a connect to its Open MPI daemon, where known
    Doubt verdict = Doubt::kPending;     // kNone here means reachable
  };

  const ChannelTable& channels_;
  const EngineOptions& opts_;
  std::vector<Look> looks_;
  std::atomic<int> verdict_{static_cast<int>(Doubt::kNone)};
};

// Part of the ProgressThread (its atomic verdict is read from the JavaScript thread): never copied or moved.
static_assert(!std::is_copy_constructible_v<HostDoubts> && !std::is_move_constructible_v<HostDoubts>);

}  // namespace fmpi
