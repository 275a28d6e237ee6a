/*
 * test/clock/offset_clock.c
 *
 * An LD_PRELOAD library for test/clock.sh: it moves the wall clock of a
 * process, and of every process it forks or execs, by a constant number of
 * seconds, OFFSET_CLOCK_SECONDS (an integer, negative for the past; unset or
 * 0 leaves the clock alone).
 *
 * Only the wall clock moves: clock_gettime() of CLOCK_REALTIME and
 * CLOCK_REALTIME_COARSE, gettimeofday(), time() and timespec_get() (glibc
 * calls the vDSO directly for the last three, so each is wrapped).  The monotonic clocks,
 * which PostgreSQL's timeouts, latches and instr_time measure with, are left
 * alone, and the offset is the same in every process and in every context
 * (signal handlers included), so timers still fire on time.  libfaketime
 * 0.9.10 gives signal handlers the real time instead, so that children the
 * postmaster forks from its SIGCHLD/SIGUSR1 handlers run on the real clock
 * and lock_timeout never fires.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef int (*ClockGettimeFn) (clockid_t, struct timespec *);

static ClockGettimeFn real_clock_gettime;
static long long offset_seconds;
static volatile int initialised;

/*
 * Read the offset and find the real clock_gettime.  Safe to run more than
 * once (each run finds the same answers), so no lock is needed; called from
 * the constructor, before any thread or handler can run, and again lazily in
 * case another constructor asks for the time first.
 */
static void
offset_clock_init(void)
{
	const char *s = getenv("OFFSET_CLOCK_SECONDS");
	ClockGettimeFn f;

	offset_seconds = s ? strtoll(s, NULL, 10) : 0;
	f = (ClockGettimeFn) dlsym(RTLD_NEXT, "clock_gettime");
	real_clock_gettime = f;
	initialised = 1;
}

__attribute__((constructor))
static void
offset_clock_constructor(void)
{
	offset_clock_init();
}

/* The real clock, through libc when found, else the system call. */
static int
real_gettime(clockid_t clk, struct timespec *ts)
{
	if (!initialised)
		offset_clock_init();
	if (real_clock_gettime)
		return real_clock_gettime(clk, ts);
	return (int) syscall(SYS_clock_gettime, clk, ts);
}

static int
is_wall_clock(clockid_t clk)
{
	return clk == CLOCK_REALTIME
#ifdef CLOCK_REALTIME_COARSE
		|| clk == CLOCK_REALTIME_COARSE
#endif
		;
}

int
clock_gettime(clockid_t clk, struct timespec *ts)
{
	int			rc = real_gettime(clk, ts);

	if (rc == 0 && is_wall_clock(clk))
		ts->tv_sec += (time_t) offset_seconds;
	return rc;
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	if (tz != NULL)
	{
		/* obsolete; glibc fills it with zeros */
		struct timezone *z = tz;

		z->tz_minuteswest = 0;
		z->tz_dsttime = 0;
	}
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

time_t
time(time_t *out)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (time_t) -1;
	if (out != NULL)
		*out = ts.tv_sec;
	return ts.tv_sec;
}

int
timespec_get(struct timespec *ts, int base)
{
	if (base != TIME_UTC || clock_gettime(CLOCK_REALTIME, ts) != 0)
		return 0;
	return base;
}
