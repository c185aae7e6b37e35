/* cli_mpi.c — what `dpmc train` asks of MPI, built into dpmc-mpi.so with
 * Open MPI's flags (mpicc --showme), which train dlopens when mpirun
 * started it (cli_train.c).  dpmc itself is not linked with libmpi: no
 * other command pays for loading it, or could be slowed or made to print
 * by it.
 * requires: MPI (the Makefile builds this only when ./configure found it).
 * leaves: MPI started and finished around train. */
#include <limits.h>
#include <stdio.h>

#include <mpi.h>

#include "cli.h"

#ifndef DPM_VERSION
#define DPM_VERSION "0.1"
#endif

static int
init(int *rank, int *size, char *err, int errsz)
{
	int provided = 0, n;
	char msg[MPI_MAX_ERROR_STRING];

	if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
		snprintf(err, (size_t)errsz, "MPI did not start (MPI_Init_thread)");
		return -1;
	}
	if (provided < MPI_THREAD_FUNNELED) {
		snprintf(err, (size_t)errsz, "this MPI gives no thread support (MPI_THREAD_FUNNELED)");
		MPI_Finalize();
		return -1;
	}
	/* errors come back to us rather than ending the job unsaid */
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	if (MPI_Comm_rank(MPI_COMM_WORLD, rank) != MPI_SUCCESS
	    || MPI_Comm_size(MPI_COMM_WORLD, size) != MPI_SUCCESS) {
		MPI_Error_string(MPI_ERR_OTHER, msg, &n);
		snprintf(err, (size_t)errsz, "MPI: %s", msg);
		MPI_Finalize();
		return -1;
	}
	return 0;
}

/* In pieces of at most INT_MAX values: MPI counts in int.  Every value
 * has one non-zero term (cli_train.c), so the order MPI adds them in
 * does not change the sum. */
static int
sum(double *x, long n)
{
	long at, k;

	for (at = 0; at < n; at += k) {
		k = n - at < INT_MAX ? n - at : INT_MAX;
		if (MPI_Allreduce(MPI_IN_PLACE, x + at, (int)k, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD)
		    != MPI_SUCCESS)
			return -1;
	}
	return 0;
}

static void
finalize(void)
{
	MPI_Finalize();
}

static void
abort_all(int status)
{
	MPI_Abort(MPI_COMM_WORLD, status);
}

const MpiModule dpm_mpi_module = {DPM_VERSION, init, sum, finalize, abort_all};
