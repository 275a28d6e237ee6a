/*
 * test/unit/tap.h
 *		A minimal TAP producer for the unit tests of the pure C core.
 *
 * Each test program includes this header once, calls ok()/is_int()/... and
 * ends with done_testing(), whose return value is the process exit status.
 * The output is TAP version 13, so prove(1) and our runner can read it.
 */
#ifndef BOOKING_TAP_H
#define BOOKING_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int	tap_run;
static int	tap_failed;

static int
tap_ok(int cond, const char *file, int line, const char *fmt, ...)
{
	va_list		ap;

	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", tap_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!cond)
		printf("#   Failed at %s line %d\n", file, line);
	return cond;
}

#define ok(cond, ...) tap_ok((cond) ? 1 : 0, __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...) \
	do { \
		int64_t tap_g_ = (int64_t) (got), tap_w_ = (int64_t) (want); \
		if (!tap_ok(tap_g_ == tap_w_, __FILE__, __LINE__, __VA_ARGS__)) \
			printf("#   got: %" PRId64 "\n#   expected: %" PRId64 "\n", tap_g_, tap_w_); \
	} while (0)

#define is_double(got, want, eps, ...) \
	do { \
		double tap_g_ = (got), tap_w_ = (want); \
		double tap_d_ = tap_g_ > tap_w_ ? tap_g_ - tap_w_ : tap_w_ - tap_g_; \
		if (!tap_ok(tap_d_ <= (eps), __FILE__, __LINE__, __VA_ARGS__)) \
			printf("#   got: %.17g\n#   expected: %.17g\n", tap_g_, tap_w_); \
	} while (0)

#define is_str(got, want, ...) \
	do { \
		const char *tap_g_ = (got), *tap_w_ = (want); \
		if (!tap_ok(tap_g_ && tap_w_ && strcmp(tap_g_, tap_w_) == 0, __FILE__, __LINE__, __VA_ARGS__)) \
			printf("#   got: '%s'\n#   expected: '%s'\n", tap_g_ ? tap_g_ : "(null)", tap_w_ ? tap_w_ : "(null)"); \
	} while (0)

static int
done_testing(void)
{
	printf("1..%d\n", tap_run);
	if (tap_failed)
		printf("# Looks like you failed %d test(s) of %d.\n", tap_failed, tap_run);
	return tap_failed ? 1 : 0;
}

#endif							/* BOOKING_TAP_H */
