// MPI for the MPI build of spinesim (`make mpi`, package trait MPI). Swift
// cannot import Open MPI's predefined handles (MPI_COMM_WORLD, MPI_BYTE,
// MPI_SUM are macros over extern structs of incomplete type) and MPICH's
// MPI_SUM either: static inline accessors return them, so the Swift code is
// the same for both MPIs.
#ifndef SPINESIM_CMPI_SHIM_H
#define SPINESIM_CMPI_SHIM_H

#include <mpi.h>

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }
static inline MPI_Datatype cmpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Op cmpi_max(void) { return MPI_MAX; }
static inline MPI_Op cmpi_sum(void) { return MPI_SUM; }
static inline int cmpi_thread_funneled(void) { return MPI_THREAD_FUNNELED; }
static inline int cmpi_success(void) { return MPI_SUCCESS; }

#endif
