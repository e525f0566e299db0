#include "mpi_raii.h"

namespace fmpi {

std::string MpiErrorString(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(code, text, &len) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return std::string(text, len);
}

bool MpiFinalized() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  return finalized != 0;
}

void OwnedComm::Disconnect() {
  if (comm_ == MPI_COMM_NULL) return;
  if (owned_ && !MpiFinalized()) MPI_Comm_disconnect(&comm_);
  comm_ = MPI_COMM_NULL;
}

void OwnedComm::Reset() {
  if (comm_ == MPI_COMM_NULL) return;
  if (owned_ && !MpiFinalized()) MPI_Comm_free(&comm_);
  comm_ = MPI_COMM_NULL;
}

}  // namespace fmpi
