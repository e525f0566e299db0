#include "channels.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

namespace fmpi {

std::string LocalHostKey() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  struct stat st {};
  std::string ns = "?";
  if (stat("/proc/self/ns/pid", &st) == 0) ns = std::to_string(static_cast<unsigned long long>(st.st_ino));
  return std::string(host) + "|" + ns;
}

bool ProcessGone(int pid) {
  if (pid <= 0) return false;
  return kill(pid, 0) != 0 && errno == ESRCH;
}

double SteadySeconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace fmpi
