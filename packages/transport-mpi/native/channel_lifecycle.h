// The life of channels: opening them (spawned workers, the static world, a comm executor's
// communicator, a spawned worker's parent), closing them (terminate the workers, wait for
// each one's final, disconnect or free), the worker side's answer to kTerminate, and the
// orderly end of MPI.
#pragma once

#include <string>
#include <type_traits>

#include "channels.h"
#include "command_queue.h"
#include "completions.h"
#include "frame_pump.h"
#include "peer_watch.h"

namespace fmpi {

class ChannelLifecycle {
 public:
  ChannelLifecycle(ChannelTable& channels, Completions& out, PeerWatch& peers, FramePump& pump)
      : channels_(channels), out_(out), peers_(peers), pump_(pump) {}
  ChannelLifecycle(const ChannelLifecycle&) = delete;
  ChannelLifecycle& operator=(const ChannelLifecycle&) = delete;

  // Everything below runs on the progress thread; never touch V8 here.
  /** Once MPI is initialized: this process's place in MPI_COMM_WORLD. */
  void SetWorld(int rank, int size) {
    world_rank_ = rank;
    world_size_ = size;
  }
  /** A process started by MPI_Comm_spawn: opens the channel to its parent; its id, or -1 elsewhere. */
  int OpenParent(double now);
  /** kSpawn: MPI_Comm_spawn (blocking: the other channels wait until the children called MPI_Init). */
  void Spawn(Command& c);
  /** kOpenWorld: the static-mode channel over MPI_COMM_WORLD. */
  void OpenWorld(const Command& c);
  /** kOpenComm: a comm executor's channel (collective over MPI_COMM_WORLD). */
  void OpenComm(const Command& c);
  /** kCloseChannel: ends a channel (a controller's waits for its workers' finals first). */
  void Close(const Command& c);
  /** Worker side, kTerminate from the controller; true when this process must end (a process-owned role). */
  bool OnTerminate(Channel& channel);
  /** Finals and dying notices the pump received since the last call. */
  void OnFinals();
  void OnDyings();
  /** Channels whose close waited too long for finals: abandoned. */
  void CloseOverdue(double now);
  /** The orderly end: terminate, disconnect, free, finalize (unless a peer died). */
  void Teardown();

 private:
  void Opened(Channel* channel, double ticket);
  void End(Channel& channel, bool terminate_workers);
  /** Exiting with a rank lost: tells a static channel's servers left that this rank is ending (bounded). */
  void AbandonServers(Channel& channel);
  void FinishClose(Channel& channel, bool abandon);

  ChannelTable& channels_;
  Completions& out_;
  PeerWatch& peers_;
  FramePump& pump_;
  int world_rank_ = 0;
  int world_size_ = 1;
};

// Part of the ProgressThread: never copied or moved.
static_assert(!std::is_copy_constructible_v<ChannelLifecycle> && !std::is_move_constructible_v<ChannelLifecycle>);

}  // namespace fmpi
