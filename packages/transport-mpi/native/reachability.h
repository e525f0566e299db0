// Whether another host still answers: tells a rank that died there (kill -9, out of memory:
// its host is fine) from a host that is cut off (cable, switch, power), which look the same
// to heartbeats. It matters only for how a job across hosts ends (see Doubt in
// progress_thread.h): after a death Open MPI can end the job at once; after a cut it must
// first notice the dead link by its oob TCP keepalive, or it hangs.
#pragma once

#include <string>
#include <type_traits>
#include <vector>

namespace fmpi {

/**
 * How Open MPI's own daemons reach this host: the oob TCP contact of this process's local
 * daemon (orted, or mpiexec itself on its host), "tcp://IP[,IP...]:PORT[;tcp6://[IP]:PORT]",
 * from OMPI_MCA_orte_local_daemon_uri (Open MPI 4 passes it to every process); "" elsewhere.
 * Whole addresses only, at most `max_len` characters.
 */
std::string LocalDaemonContact(size_t max_len);

/**
 * A nonblocking TCP connect to every address of another host's Open MPI daemon. Only an
 * accepted connection counts, as proof that the host and its daemon are reachable from
 * here (the daemon listens there for exactly such connections; the probe closes at once,
 * which Open MPI drops as a failed handshake). Refused, unreachable or timed out proves
 * nothing: an address may be private to that host and mean another machine here, so this
 * host's own and loopback addresses are never tried.
 */
class ReachProbe {
 public:
  enum class Result { kPending, kReachable, kUnknown };
  ReachProbe(const std::string& contact, double now, double timeout_s);
  ~ReachProbe();
  ReachProbe(const ReachProbe&) = delete;
  ReachProbe& operator=(const ReachProbe&) = delete;
  /** Never blocks. */
  Result Check(double now);

 private:
  void CloseAll();
  std::vector<int> fds_;
  double deadline_;
  Result result_ = Result::kPending;
};

// Owns sockets (closed by the destructor): held by unique_ptr, never copied or moved.
static_assert(!std::is_copy_constructible_v<ReachProbe> && !std::is_move_constructible_v<ReachProbe>);

}  // namespace fmpi
