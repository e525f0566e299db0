#include "sender.h"

#include <cstring>

#include "wire.h"

namespace fmpi {

bool BuildFrameMessage(Command& cmd, uint32_t session, uint32_t flags, const uint8_t* head, uint64_t head_len,
                       const std::vector<BufRef>& bufs) {
  const uint64_t fixed = sizeof(Preamble) + 8 * bufs.size();
  bool head_as_data = fixed + head_len > kHeadMessageMax;
  uint64_t size = fixed + (head_as_data ? 0 : Pad8(head_len));
  std::vector<bool> inline_buf(bufs.size(), false);
  for (size_t i = 0; i < bufs.size(); i++) {
    if (bufs[i].len < kInlineMax && size + Pad8(bufs[i].len) <= kHeadMessageMax) {
      inline_buf[i] = true;
      size += Pad8(bufs[i].len);
    }
  }
  cmd.message.assign(size, 0);
  uint8_t* p = cmd.message.data();
  Preamble pre{kMagic, session, static_cast<uint32_t>(bufs.size()), flags | (head_as_data ? kFlagHeadAsData : 0u),
               head_len};
  std::memcpy(p, &pre, sizeof(pre));
  uint64_t* lens = reinterpret_cast<uint64_t*>(p + sizeof(Preamble));
  for (size_t i = 0; i < bufs.size(); i++) lens[i] = bufs[i].len | (inline_buf[i] ? kInlineBit : 0);
  uint64_t pos = fixed;
  if (!head_as_data) {
    if (head_len > 0) std::memcpy(p + pos, head, head_len);
    pos += Pad8(head_len);
  }
  cmd.data.clear();
  bool refs = false;
  if (head_as_data) cmd.data.push_back({head, head_len});  // referenced: the caller keeps the head alive too
  for (size_t i = 0; i < bufs.size(); i++) {
    if (inline_buf[i]) {
      if (bufs[i].len > 0) std::memcpy(p + pos, bufs[i].data, bufs[i].len);
      pos += Pad8(bufs[i].len);
    } else {
      cmd.data.push_back(bufs[i]);
      refs = true;
    }
  }
  return refs || head_as_data;
}

}  // namespace fmpi
