// Channels: the communicators the transport talks over, and what it knows of their peers.
//
// A channel is one communicator plus a role (the glossary's "Channel"; a link, elsewhere, is
// one worker's connection). A controller's channel reaches its workers (the spawned ranks of
// an intercommunicator, ranks 1..N-1 of the world in static mode, every rank but the root of
// a comm executor); a worker's channel reaches its controller. Several executors (sessions)
// may share one channel. Channels are created, used and destroyed only on the progress
// thread; JavaScript refers to them by id.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "mpi_raii.h"

namespace fmpi {

enum class Role {
  kSpawnController,
  kStaticController,
  kCommController,
  kSpawnedWorker,
  kStaticServer,
  kCommServer,
};

inline bool IsController(Role r) {
  return r == Role::kSpawnController || r == Role::kStaticController || r == Role::kCommController;
}
/** Worker roles whose process exists only to serve this channel: they exit when it ends. */
inline bool IsProcessOwned(Role r) { return r == Role::kSpawnedWorker || r == Role::kStaticServer; }

struct Peer {
  bool final_seen = false;  // its kFlagFinal arrived
  bool is_worker = false;  // controller channels: this rank serves; worker channels: false except the controller
  bool is_controller = false;
  int pid = 0;
  std::string host;     // "hostname|pid-namespace" from its hello
  std::string daemon;   // its Open MPI daemon's oob contact, from its hello ("" elsewhere)
  double last_seen = 0;  // seconds (steady clock) of its last message
  bool lost = false;
};

struct Channel {
  int id = 0;
  Role role = Role::kSpawnController;
  OwnedComm comm;
  bool inter = false;
  int local_rank = 0;
  int size = 0;             // remote group size (intercommunicator) or communicator size
  int controller_rank = 0;  // worker roles: where the controller is
  std::vector<Peer> peers;  // by rank (remote group for an intercommunicator)
  OwnedComm workers;        // worker roles: the workers' own communicator (getCommWorkers)
  bool closing = false;
  double close_ticket = 0;     // closing: answered with kChannelClosed once every worker's final arrived
  int finals_pending = 0;      // closing: workers whose kFlagFinal has not arrived yet
  double close_deadline = 0;   // closing: give up waiting (abandon the channel) after this
  bool poisoned = false;  // a peer died: never free, disconnect or finalize through it
};
// A Channel owns communicators and lives behind a unique_ptr in ChannelTable: never copied.
static_assert(!std::is_copy_constructible_v<Channel> && !std::is_copy_assignable_v<Channel>);

class ChannelTable {
 public:
  Channel* Get(int id) {
    auto it = channels_.find(id);
    return it == channels_.end() ? nullptr : it->second.get();
  }
  Channel* Add(std::unique_ptr<Channel> channel) {
    channel->id = next_++;
    Channel* raw = channel.get();
    channels_[raw->id] = std::move(channel);
    return raw;
  }
  /** Removes a channel; a poisoned one is leaked on purpose (its requests may never complete). */
  void Remove(int id) {
    auto it = channels_.find(id);
    if (it == channels_.end()) return;
    if (it->second->poisoned) {
      it->second->comm.Abandon();
      it->second->workers.Abandon();
      graveyard_.push_back(std::move(it->second));
    }
    channels_.erase(it);
  }
  std::map<int, std::unique_ptr<Channel>>& all() { return channels_; }
  const std::map<int, std::unique_ptr<Channel>>& all() const { return channels_; }
  bool AnyPoisoned() const {
    if (!graveyard_.empty()) return true;
    for (const auto& [id, c] : channels_)
      if (c->poisoned) return true;
    return false;
  }

 private:
  std::map<int, std::unique_ptr<Channel>> channels_;
  std::vector<std::unique_ptr<Channel>> graveyard_;
  int next_ = 1;
};

/** "hostname|pid-namespace": two processes with equal keys can check each other's pid. */
std::string LocalHostKey();
/** True when a process with this pid is gone (ESRCH) on this host. */
bool ProcessGone(int pid);

/** Seconds on the steady clock (the progress thread's time base for every deadline). */
double SteadySeconds();

}  // namespace fmpi
