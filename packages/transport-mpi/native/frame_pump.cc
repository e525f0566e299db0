// FramePump: see frame_pump.h. Runs on the progress thread; never touch V8 here.
#include "frame_pump.h"

#include <mpi.h>

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

#include "collectives.h"
#include "sender.h"

namespace fmpi {

namespace {
void PushSent(Completions& out, double ticket) {
  if (ticket == 0) return;
  Event sent(EventKind::kSent);
  sent.ticket = ticket;
  out.Push(std::move(sent));
}
}  // namespace

void FramePump::Send(Command& c) {
  Channel* channel = channels_.Get(c.channel);
  Preamble pre{};
  if (c.message.size() >= sizeof(pre)) std::memcpy(&pre, c.message.data(), sizeof(pre));
  if (pre.flags & kFlagDying) dying_ = true;  // sent from the process's exit: see ChannelLifecycle::Teardown
  auto* f = new OutgoingFrame();
  f->message = std::move(c.message);
  f->data = std::move(c.data);
  f->ticket = c.ticket;
  f->channel = c.channel;
  auto finish_unsent = [&] {
    PushSent(out_, f->ticket);
    delete f;
  };
  if (channel == nullptr || c.dest < 0 || c.dest >= channel->size || channel->peers[c.dest].lost) {
    finish_unsent();  // the channel is gone or the peer died: nothing will read it
    return;
  }
  MPI_Comm comm = channel->comm.get();
  MPI_Request req;
  int rc = MPI_Isend(f->message.data(), static_cast<int>(f->message.size()), MPI_BYTE, c.dest, kTagHead, comm, &req);
  if (rc != MPI_SUCCESS) {
    out_.Push(std::move(Event(EventKind::kError).Text("MPI_Isend failed: " + MpiErrorString(rc))));
    finish_unsent();
    return;
  }
  reqs_.Add(req, {ReqOwner::Kind::kOutgoing, f});
  f->pending++;
  outgoing_inflight_++;
  for (const BufRef& d : f->data) {
    for (uint64_t off = 0; off < d.len; off += kChunkBytes) {
      const int n = static_cast<int>(std::min(kChunkBytes, d.len - off));
      rc = MPI_Isend(d.data + off, n, MPI_BYTE, c.dest, kTagData, comm, &req);
      if (rc != MPI_SUCCESS) {
        out_.Push(std::move(Event(EventKind::kError).Text("MPI_Isend failed: " + MpiErrorString(rc))));
        continue;
      }
      reqs_.Add(req, {ReqOwner::Kind::kOutgoing, f});
      f->pending++;
    }
  }
}

void FramePump::StartCollective(const Command& c) {
  Channel* channel = channels_.Get(c.channel);
  std::string error = channel == nullptr ? "the channel is closed" : fmpi::StartCollective(c, *channel, reqs_);
  if (error.empty()) {
    collectives_inflight_++;
    return;
  }
  Event e(EventKind::kCollectiveDone);
  e.ticket = c.ticket;
  e.Text(error);
  out_.Push(std::move(e));
}

void FramePump::SendFinal(Channel& channel) {
  auto* f = new OutgoingFrame();
  f->message.assign(sizeof(Preamble), 0);
  Preamble pre{kMagic, 0, 0, kFlagFinal, 0};
  std::memcpy(f->message.data(), &pre, sizeof(pre));
  f->channel = channel.id;
  MPI_Request req;
  if (MPI_Isend(f->message.data(), static_cast<int>(f->message.size()), MPI_BYTE, channel.controller_rank, kTagHead,
                channel.comm.get(), &req) != MPI_SUCCESS) {
    delete f;
    return;
  }
  reqs_.Add(req, {ReqOwner::Kind::kOutgoing, f});
  f->pending = 1;
  outgoing_inflight_++;
}

bool FramePump::Poll(double now) {
  bool progress = false;
  for (auto& [id, channel_ptr] : channels_.all()) {
    Channel& channel = *channel_ptr;
    if (receiver_.PollHeads(channel, now) > 0) progress = true;
    for (int i = 0; i < 16; i++) {
      int flag = 0;
      MPI_Message msg;
      MPI_Status st;
      if (MPI_Improbe(MPI_ANY_SOURCE, kTagCtrl, channel.comm.get(), &flag, &msg, &st) != MPI_SUCCESS || !flag) break;
      ControlMsg cm{};
      int count = 0;
      MPI_Get_count(&st, MPI_BYTE, &count);
      std::vector<uint8_t> raw(static_cast<size_t>(count > 0 ? count : 0));
      MPI_Mrecv(raw.data(), count, MPI_BYTE, &msg, MPI_STATUS_IGNORE);
      if (raw.size() != sizeof(ControlMsg)) continue;
      std::memcpy(&cm, raw.data(), sizeof(cm));
      if (cm.magic != kMagic) continue;
      // heartbeats are not activity: they must not keep an idle thread from backing off
      if (static_cast<Ctrl>(cm.kind) != Ctrl::kHeartbeat) progress = true;
      if (st.MPI_SOURCE >= 0 && st.MPI_SOURCE < static_cast<int>(channel.peers.size()))
        channel.peers[st.MPI_SOURCE].last_seen = now;
      const bool stop = control_.OnControl(channel, st.MPI_SOURCE, cm);
      if (stop || channels_.Get(id) == nullptr) return true;  // the channel ended: the map changed
    }
  }
  return progress;
}

bool FramePump::TestRequests() {
  int activity = 0;  // completions other than control messages (heartbeats are not activity)
  int done = reqs_.TestSome([this, &activity](const ReqOwner& owner, int error) {
    if (owner.kind != ReqOwner::Kind::kControl) activity++;
    switch (owner.kind) {
      case ReqOwner::Kind::kIncoming:
        receiver_.OnData(static_cast<IncomingFrame*>(owner.ptr), error);
        break;
      case ReqOwner::Kind::kOutgoing: {
        auto* f = static_cast<OutgoingFrame*>(owner.ptr);
        if (error != MPI_SUCCESS)
          out_.Push(std::move(Event(EventKind::kError).Text("a send failed: " + MpiErrorString(error))));
        if (--f->pending == 0) {
          outgoing_inflight_--;
          PushSent(out_, f->ticket);
          delete f;
        }
        break;
      }
      case ReqOwner::Kind::kCollective: {
        auto* pc = static_cast<PendingCollective*>(owner.ptr);
        Event e(EventKind::kCollectiveDone);
        e.ticket = pc->ticket;
        if (error != MPI_SUCCESS) e.Text(MpiErrorString(error));
        out_.Push(std::move(e));
        delete pc;
        collectives_inflight_--;
        break;
      }
      case ReqOwner::Kind::kControl:
        delete static_cast<ControlMsg*>(owner.ptr);
        break;
    }
  });
  if (done < 0) out_.Push(std::move(Event(EventKind::kError).Text("MPI_Testsome failed")));
  return activity > 0;
}

void FramePump::FlushSends(double seconds) {
  const double deadline = SteadySeconds() + seconds;
  while (outgoing_inflight_ > 0 && SteadySeconds() < deadline) {
    TestRequests();
    std::this_thread::yield();
  }
}

}  // namespace fmpi
