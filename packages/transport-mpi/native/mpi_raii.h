// Small RAII wrappers over MPI handles, and error helpers.
// Threading: everything here runs on the progress thread only (it owns every MPI call).
#pragma once

#include <mpi.h>

#include <stdexcept>
#include <string>
#include <type_traits>

namespace fmpi {

/** Text of an MPI error code. */
std::string MpiErrorString(int code);

/** An MPI call failed (the communicators use MPI_ERRORS_RETURN so we can report it). */
class MpiError : public std::runtime_error {
 public:
  MpiError(const std::string& what, int code) : std::runtime_error(what + ": " + MpiErrorString(code)), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

inline void Check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw MpiError(what, rc);
}

/** True once MPI_Finalize ran (handles must not be freed after that). */
bool MpiFinalized();

/** Owns a communicator we created (dup, spawn, create_group); predefined ones are never freed. */
class OwnedComm {
 public:
  OwnedComm() = default;
  explicit OwnedComm(MPI_Comm c, bool owned) : comm_(c), owned_(owned) {}
  OwnedComm(const OwnedComm&) = delete;
  OwnedComm& operator=(const OwnedComm&) = delete;
  OwnedComm(OwnedComm&& o) noexcept : comm_(o.comm_), owned_(o.owned_) { o.comm_ = MPI_COMM_NULL; }
  OwnedComm& operator=(OwnedComm&& o) noexcept {
    if (this != &o) {
      Reset();
      comm_ = o.comm_;
      owned_ = o.owned_;
      o.comm_ = MPI_COMM_NULL;
    }
    return *this;
  }
  ~OwnedComm() { Reset(); }

  MPI_Comm get() const { return comm_; }
  bool valid() const { return comm_ != MPI_COMM_NULL; }
  /** MPI_Comm_disconnect (collective over an intercommunicator: both sides must call it). */
  void Disconnect();
  /** Forgets the handle without freeing it (after a peer died, freeing may hang). */
  void Abandon() { comm_ = MPI_COMM_NULL; }
  void Reset();

 private:
  MPI_Comm comm_ = MPI_COMM_NULL;
  bool owned_ = false;
};

// One owner per communicator: moves (into a Channel), never copies (a copy would free it twice).
static_assert(!std::is_copy_constructible_v<OwnedComm> && !std::is_copy_assignable_v<OwnedComm>);
static_assert(std::is_nothrow_move_constructible_v<OwnedComm> && std::is_nothrow_move_assignable_v<OwnedComm>);

/** Owns an MPI_Group. */
class OwnedGroup {
 public:
  OwnedGroup() = default;
  OwnedGroup(const OwnedGroup&) = delete;
  OwnedGroup& operator=(const OwnedGroup&) = delete;
  ~OwnedGroup() {
    if (group_ != MPI_GROUP_NULL && !MpiFinalized()) MPI_Group_free(&group_);
  }
  MPI_Group* out() { return &group_; }
  MPI_Group get() const { return group_; }

 private:
  MPI_Group group_ = MPI_GROUP_NULL;
};

// Scoped to one call (the group arguments of MPI_Comm_create_group): neither copied nor moved.
static_assert(!std::is_copy_constructible_v<OwnedGroup> && !std::is_move_constructible_v<OwnedGroup>);

/** Owns an MPI_Info. */
class OwnedInfo {
 public:
  OwnedInfo() { MPI_Info_create(&info_); }
  OwnedInfo(const OwnedInfo&) = delete;
  OwnedInfo& operator=(const OwnedInfo&) = delete;
  ~OwnedInfo() {
    if (info_ != MPI_INFO_NULL && !MpiFinalized()) MPI_Info_free(&info_);
  }
  void Set(const std::string& k, const std::string& v) { MPI_Info_set(info_, k.c_str(), v.c_str()); }
  MPI_Info get() const { return info_; }

 private:
  MPI_Info info_ = MPI_INFO_NULL;
};

// Scoped to one MPI_Comm_spawn call: neither copied nor moved.
static_assert(!std::is_copy_constructible_v<OwnedInfo> && !std::is_move_constructible_v<OwnedInfo>);

}  // namespace fmpi
