// The GSL headers SpineSim uses, and static inline accessors for GSL's global
// type objects. Swift 6 strict concurrency rejects imported global variables
// such as `gsl_rng_taus2` as shared mutable state; a function returning the
// pointer is fine.
#ifndef SPINESIM_CGSL_SHIM_H
#define SPINESIM_CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sf_erf.h>
#include <gsl/gsl_sf_dawson.h>
#include <gsl/gsl_odeiv2.h>
#include <gsl/gsl_integration.h>
#include <gsl/gsl_histogram.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_statistics_double.h>
#include <gsl/gsl_fit.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_version.h>

// Random number generator types (the ones SpineSim names by default; every
// other GSL generator is found by name through gsl_rng_types_setup()).
static inline const gsl_rng_type *cgsl_rng_taus2(void) { return gsl_rng_taus2; }
static inline const gsl_rng_type *cgsl_rng_gfsr4(void) { return gsl_rng_gfsr4; }
static inline const gsl_rng_type *cgsl_rng_mt19937(void) { return gsl_rng_mt19937; }
static inline const gsl_rng_type *cgsl_rng_ranlxd2(void) { return gsl_rng_ranlxd2; }

// ODE stepper types (gsl_odeiv2 has no look-up by name).
static inline const gsl_odeiv2_step_type *cgsl_step_rk2(void) { return gsl_odeiv2_step_rk2; }
static inline const gsl_odeiv2_step_type *cgsl_step_rk4(void) { return gsl_odeiv2_step_rk4; }
static inline const gsl_odeiv2_step_type *cgsl_step_rkf45(void) { return gsl_odeiv2_step_rkf45; }
static inline const gsl_odeiv2_step_type *cgsl_step_rkck(void) { return gsl_odeiv2_step_rkck; }
static inline const gsl_odeiv2_step_type *cgsl_step_rk8pd(void) { return gsl_odeiv2_step_rk8pd; }
static inline const gsl_odeiv2_step_type *cgsl_step_msadams(void) { return gsl_odeiv2_step_msadams; }

// The CPUs this process may use (its affinity mask): glibc declares
// sched_getaffinity only under _GNU_SOURCE, which Swift's Glibc module is
// not built with; the declaration is glibc's own.
#include <sched.h>
#include <sys/types.h>
extern int sched_getaffinity(pid_t pid, size_t cpusetsize, cpu_set_t *mask);

// The library version string (a global `const char *`).
static inline const char *cgsl_version(void) { return gsl_version; }

// What the Makefile embeds in a build (-Xcc -DSPINESIM_GIT_REVISION=...):
// the source revision, the compiler and the package versions; empty when
// the build did not go through the Makefile.
#ifndef SPINESIM_GIT_REVISION
#define SPINESIM_GIT_REVISION ""
#endif
#ifndef SPINESIM_COMPILER
#define SPINESIM_COMPILER ""
#endif
#ifndef SPINESIM_PACKAGES
#define SPINESIM_PACKAGES ""
#endif
static inline const char *cgsl_spinesim_git_revision(void) { return SPINESIM_GIT_REVISION; }
static inline const char *cgsl_spinesim_compiler(void) { return SPINESIM_COMPILER; }
static inline const char *cgsl_spinesim_packages(void) { return SPINESIM_PACKAGES; }

#endif
