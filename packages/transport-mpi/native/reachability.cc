#include "reachability.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace fmpi {

namespace {

struct Endpoint {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    const size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

/** "tcp://A,B:PORT" and "tcp6://[A],[B]:PORT" parts of an Open MPI oob contact. */
std::vector<Endpoint> ParseContact(const std::string& contact) {
  std::vector<Endpoint> out;
  for (const std::string& part : Split(contact, ';')) {
    const bool v6 = part.rfind("tcp6://", 0) == 0;
    if (!v6 && part.rfind("tcp://", 0) != 0) continue;
    const std::string rest = part.substr(v6 ? 7 : 6);
    const size_t colon = rest.rfind(':');
    if (colon == std::string::npos) continue;
    const int port = std::atoi(rest.c_str() + colon + 1);
    if (port <= 0 || port > 65535) continue;
    for (std::string ip : Split(rest.substr(0, colon), ',')) {
      if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
      Endpoint e;
      if (!v6) {
        auto* a = reinterpret_cast<sockaddr_in*>(&e.addr);
        if (inet_pton(AF_INET, ip.c_str(), &a->sin_addr) != 1) continue;
        a->sin_family = AF_INET;
        a->sin_port = htons(static_cast<uint16_t>(port));
        e.len = sizeof(sockaddr_in);
      } else {
        auto* a = reinterpret_cast<sockaddr_in6*>(&e.addr);
        if (inet_pton(AF_INET6, ip.c_str(), &a->sin6_addr) != 1) continue;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(static_cast<uint16_t>(port));
        e.len = sizeof(sockaddr_in6);
      }
      out.push_back(e);
    }
  }
  return out;
}

bool SameAddress(const sockaddr* a, const sockaddr_storage& b) {
  if (a == nullptr || a->sa_family != b.ss_family) return false;
  if (a->sa_family == AF_INET)
    return reinterpret_cast<const sockaddr_in*>(a)->sin_addr.s_addr ==
           reinterpret_cast<const sockaddr_in*>(&b)->sin_addr.s_addr;
  return std::memcmp(&reinterpret_cast<const sockaddr_in6*>(a)->sin6_addr,
                     &reinterpret_cast<const sockaddr_in6*>(&b)->sin6_addr, sizeof(in6_addr)) == 0;
}

/** Loopback, or an address of one of this host's interfaces: it would answer from here. */
bool LocalAddress(const Endpoint& e, const ifaddrs* ifs) {
  if (e.addr.ss_family == AF_INET) {
    const uint32_t ip = ntohl(reinterpret_cast<const sockaddr_in*>(&e.addr)->sin_addr.s_addr);
    if ((ip >> 24) == 127 || ip == 0) return true;
  } else {
    const in6_addr& ip = reinterpret_cast<const sockaddr_in6*>(&e.addr)->sin6_addr;
    if (IN6_IS_ADDR_LOOPBACK(&ip) || IN6_IS_ADDR_UNSPECIFIED(&ip) || IN6_IS_ADDR_LINKLOCAL(&ip)) return true;
  }
  for (const ifaddrs* i = ifs; i != nullptr; i = i->ifa_next)
    if (SameAddress(i->ifa_addr, e.addr)) return true;
  return false;
}

}  // namespace

std::string LocalDaemonContact(size_t max_len) {
  const char* uri = std::getenv("OMPI_MCA_orte_local_daemon_uri");  // "JOBID.VPID;tcp://...;tcp6://..."
  if (uri == nullptr) return "";
  std::string out;
  for (const std::string& part : Split(uri, ';')) {
    if (part.find("://") == std::string::npos) continue;  // the daemon's name
    // whole parts only: a cut one could name another address or port
    if (out.size() + part.size() + (out.empty() ? 0 : 1) > max_len) break;
    out += (out.empty() ? "" : ";") + part;
  }
  return out;
}

ReachProbe::ReachProbe(const std::string& contact, double now, double timeout_s) : deadline_(now + timeout_s) {
  ifaddrs* ifs = nullptr;
  if (getifaddrs(&ifs) != 0) ifs = nullptr;
  for (const Endpoint& e : ParseContact(contact)) {
    if (LocalAddress(e, ifs)) continue;
    const int fd = socket(e.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    if (connect(fd, reinterpret_cast<const sockaddr*>(&e.addr), e.len) == 0) {
      close(fd);
      result_ = Result::kReachable;
      break;
    }
    if (errno == EINPROGRESS) {
      fds_.push_back(fd);
    } else {
      close(fd);  // refused or unreachable at once: proves nothing (see the header)
    }
  }
  if (ifs != nullptr) freeifaddrs(ifs);
  if (result_ == Result::kPending && fds_.empty()) result_ = Result::kUnknown;
  if (result_ != Result::kPending) CloseAll();
}

ReachProbe::~ReachProbe() { CloseAll(); }

void ReachProbe::CloseAll() {
  for (int fd : fds_) close(fd);
  fds_.clear();
}

ReachProbe::Result ReachProbe::Check(double now) {
  if (result_ != Result::kPending) return result_;
  std::vector<pollfd> pfds;
  for (int fd : fds_) pfds.push_back({fd, POLLOUT, 0});
  if (poll(pfds.data(), pfds.size(), 0) > 0) {
    std::vector<int> open;
    for (const pollfd& p : pfds) {
      if (p.revents == 0) {
        open.push_back(p.fd);
        continue;
      }
      int error = 0;
      socklen_t len = sizeof(error);
      if (getsockopt(p.fd, SOL_SOCKET, SO_ERROR, &error, &len) == 0 && error == 0) result_ = Result::kReachable;
      close(p.fd);
    }
    fds_ = std::move(open);
  }
  if (result_ == Result::kPending && (fds_.empty() || now >= deadline_)) result_ = Result::kUnknown;
  if (result_ != Result::kPending) CloseAll();
  return result_;
}

}  // namespace fmpi
