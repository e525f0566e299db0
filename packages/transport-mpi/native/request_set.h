// The set of MPI requests in flight, each with its owner, tested together with MPI_Testsome.
// Progress thread only.
#pragma once

#include <mpi.h>

#include <type_traits>
#include <vector>

namespace fmpi {

struct ReqOwner {
  enum class Kind { kIncoming, kOutgoing, kCollective, kControl } kind;
  void* ptr;
};

// A request's owner is a raw pointer the completion handler deletes: plain data, copied freely.
static_assert(std::is_trivially_copyable_v<ReqOwner>);

class RequestSet {
 public:
  RequestSet() = default;
  RequestSet(const RequestSet&) = delete;
  RequestSet& operator=(const RequestSet&) = delete;
  void Add(MPI_Request r, ReqOwner owner) {
    reqs_.push_back(r);
    owners_.push_back(owner);
  }
  size_t size() const { return reqs_.size(); }

  /** Tests every request; calls on_done(owner, error) for each completed one (error: MPI_SUCCESS or its code). */
  template <typename F>
  int TestSome(F&& on_done) {
    if (reqs_.empty()) return 0;
    int outcount = 0;
    indices_.resize(reqs_.size());
    statuses_.resize(reqs_.size());
    int rc = MPI_Testsome(static_cast<int>(reqs_.size()), reqs_.data(), &outcount, indices_.data(), statuses_.data());
    if (rc != MPI_SUCCESS && rc != MPI_ERR_IN_STATUS) return -1;
    if (outcount == MPI_UNDEFINED || outcount <= 0) return 0;
    for (int i = 0; i < outcount; i++) {
      // MPI sets MPI_ERROR in the statuses only when it returns MPI_ERR_IN_STATUS
      const int error = rc == MPI_ERR_IN_STATUS ? statuses_[i].MPI_ERROR : MPI_SUCCESS;
      on_done(owners_[indices_[i]], error);
    }
    // completed requests are now MPI_REQUEST_NULL: compact, keeping order
    size_t w = 0;
    for (size_t r = 0; r < reqs_.size(); r++) {
      if (reqs_[r] == MPI_REQUEST_NULL) continue;
      reqs_[w] = reqs_[r];
      owners_[w] = owners_[r];
      w++;
    }
    reqs_.resize(w);
    owners_.resize(w);
    return outcount;
  }

 private:
  std::vector<MPI_Request> reqs_;
  std::vector<ReqOwner> owners_;
  std::vector<int> indices_;
  std::vector<MPI_Status> statuses_;
};

// Holds the only handles of requests in flight (a copy would complete them twice): one per
// progress thread, shared by reference, never copied or moved.
static_assert(!std::is_copy_constructible_v<RequestSet> && !std::is_move_constructible_v<RequestSet>);

}  // namespace fmpi
