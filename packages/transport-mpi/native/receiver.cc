#include "receiver.h"

#include <algorithm>
#include <cstring>

#include "wire.h"

namespace fmpi {

namespace {
constexpr int kMaxHeadsPerPoll = 64;
}

int Receiver::PollHeads(Channel& channel, double now) {
  int received = 0;
  for (; received < kMaxHeadsPerPoll; received++) {
    int flag = 0;
    MPI_Message msg;
    MPI_Status st;
    int rc = MPI_Improbe(MPI_ANY_SOURCE, kTagHead, channel.comm.get(), &flag, &msg, &st);
    if (rc != MPI_SUCCESS) {
      out_.Push(std::move(Event(EventKind::kError).Text("MPI_Improbe failed: " + MpiErrorString(rc))));
      break;
    }
    if (!flag) break;
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    const int source = st.MPI_SOURCE;
    auto f = std::make_unique<IncomingFrame>();
    Event& e = f->event;
    e.channel = channel.id;
    e.rank = source;
    e.message.resize(static_cast<size_t>(std::max(count, 0)));
    // The head message is matched already and bounded (kHeadMessageMax), so this blocking
    // receive is short; the data that follows is received without blocking.
    rc = MPI_Mrecv(e.message.data(), count, MPI_BYTE, &msg, MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) {
      out_.Push(std::move(Event(EventKind::kError).Text("MPI_Mrecv failed: " + MpiErrorString(rc))));
      continue;
    }
    if (source >= 0 && source < static_cast<int>(channel.peers.size())) channel.peers[source].last_seen = now;

    Preamble pre{};
    if (e.message.size() < sizeof(Preamble)) pre.magic = 0;
    else std::memcpy(&pre, e.message.data(), sizeof(pre));
    const uint64_t fixed = sizeof(Preamble) + 8 * uint64_t{pre.nbufs};
    if (pre.magic != kMagic || fixed > e.message.size()) {
      out_.Push(std::move(Event(EventKind::kError)
                              .Text("dropped a malformed message from rank " + std::to_string(source) +
                                    " (another program or MPI library version on this communicator?)")));
      continue;
    }
    e.session = pre.session;
    if (pre.flags & kFlagBye) e.kind = EventKind::kBye;
    f->final = (pre.flags & kFlagFinal) != 0;
    f->dying = (pre.flags & kFlagDying) != 0;
    std::vector<uint64_t> lens(pre.nbufs);
    if (pre.nbufs > 0) std::memcpy(lens.data(), e.message.data() + sizeof(Preamble), 8 * lens.size());
    uint64_t pos = fixed;
    IncomingFrame* raw = f.get();
    auto& fifo = fifos_[{channel.id, source}];
    fifo.push_back(std::move(f));
    bool bad = false;
    if (pre.flags & kFlagHeadAsData) {
      e.head_in_message = false;
      e.head_len = pre.headLen;
      e.head_data.resize(pre.headLen);
      PostData(channel, raw, e.head_data.data(), pre.headLen);
    } else {
      e.head_off = pos;
      e.head_len = pre.headLen;
      pos += Pad8(pre.headLen);
      bad = pos > e.message.size() && pre.headLen > 0;
    }
    e.bufs.resize(pre.nbufs);
    for (size_t i = 0; i < lens.size() && !bad; i++) {
      InBuf& b = e.bufs[i];
      b.len = lens[i] & ~kInlineBit;
      if (lens[i] & kInlineBit) {
        b.where = InBuf::Where::kMessage;
        b.off = pos;
        pos += Pad8(b.len);
        if (pos > Pad8(e.message.size())) bad = true;
      } else if (b.len < RecvPool::kMinPooled) {
        b.where = InBuf::Where::kOwned;
        b.owned.resize(b.len);
        PostData(channel, raw, b.owned.data(), b.len);
      } else {
        b.where = InBuf::Where::kPool;
        b.block = RecvPool::Instance().Acquire(b.len);
        PostData(channel, raw, b.block.data, b.len);
      }
    }
    if (bad) {
      raw->failed = true;
      out_.Push(std::move(Event(EventKind::kError).Text("dropped a malformed frame from rank " + std::to_string(source))));
    }
    if (raw->pending == 0) DeliverReady(channel.id, source);
    else inflight_++;
  }
  return received;
}

void Receiver::PostData(Channel& channel, IncomingFrame* f, uint8_t* ptr, uint64_t len) {
  for (uint64_t off = 0; off < len; off += kChunkBytes) {
    const int n = static_cast<int>(std::min(kChunkBytes, len - off));
    MPI_Request req;
    int rc = MPI_Irecv(ptr + off, n, MPI_BYTE, f->event.rank, kTagData, channel.comm.get(), &req);
    if (rc != MPI_SUCCESS) {
      f->failed = true;
      out_.Push(std::move(Event(EventKind::kError).Text("MPI_Irecv failed: " + MpiErrorString(rc))));
      return;
    }
    reqs_.Add(req, {ReqOwner::Kind::kIncoming, f});
    f->pending++;
  }
}

void Receiver::OnData(IncomingFrame* f, int error) {
  if (error != MPI_SUCCESS) {
    f->failed = true;
    out_.Push(std::move(Event(EventKind::kError).Text("a data receive failed: " + MpiErrorString(error))));
  }
  if (--f->pending == 0) {
    inflight_--;
    DeliverReady(f->event.channel, f->event.rank);
  }
}

void Receiver::DeliverReady(int channel, int source) {
  auto it = fifos_.find({channel, source});
  if (it == fifos_.end()) return;
  auto& fifo = it->second;
  while (!fifo.empty() && fifo.front()->pending == 0) {
    IncomingFrame& front = *fifo.front();
    if (front.final) {
      finals_.emplace_back(channel, source);
    } else if (front.dying) {
      const Event& e = front.event;
      const uint8_t* head = e.head_in_message ? e.message.data() + e.head_off : e.head_data.data();
      dyings_.push_back({channel, source, std::string(reinterpret_cast<const char*>(head), e.head_len)});
    } else if (!front.failed) {
      out_.Push(std::move(front.event));
    }
    fifo.pop_front();
  }
  if (fifo.empty()) fifos_.erase(it);
}

}  // namespace fmpi
