// Open MPI's C interface, and the predefined handles that mpi.h defines as macros (which
// Swift does not import) as functions.
#include <mpi.h>

static inline MPI_Comm shotvae_mpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype shotvae_mpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype shotvae_mpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype shotvae_mpi_byte(void) { return MPI_BYTE; }
static inline MPI_Op shotvae_mpi_sum(void) { return MPI_SUM; }
static inline void *shotvae_mpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Status *shotvae_mpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Request shotvae_mpi_request_null(void) { return MPI_REQUEST_NULL; }
