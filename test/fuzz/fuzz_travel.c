/*
 * test/fuzz/fuzz_travel.c
 *		libFuzzer harness for src/core/travel.c.
 *
 * The input bytes are decoded into doubles and ints that are mostly in range
 * (so the arithmetic paths are reached), often exactly on or just past a
 * bound, and sometimes NaN, infinite, huge, denormal or raw bit patterns.
 * Every public function is called; the harness classifies each input itself
 * and aborts when a function accepts what it should reject, rejects what it
 * should accept, reports another error code, writes output on error, or
 * returns a value that breaks an invariant (finite, in range, symmetric,
 * consistent with an independent formulation).
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "travel.h"

#define CHECK(cond, what) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "fuzz_travel: invariant failed: %s (%s, line %d)\n", \
					(what), #cond, __LINE__); \
			abort(); \
		} \
	} while (0)

#define ALPHABET "0123456789bcdefghjkmnpqrstuvwxyz"

/* A double meant to lie in [lo, hi], but not always. */
static double
take_double(Reader *r, double lo, double hi)
{
	static const double specials[] = {
		0.0, -0.0, 1.0, -1.0, 90.0, -90.0, 180.0, -180.0, 1440.0, 100000.0,
		1e8, 1e300, -1e300, DBL_MAX, -DBL_MAX, DBL_MIN, 4.9406564584124654e-324,
		12.000000001, 55.00000000000001, 1.1, 1.3
	};
	uint8_t		sel = take_u8(r);

	if (sel < 150)
		return lo + (hi - lo) * ((double) take_u64(r, 4) / 4294967295.0);
	switch (sel % 10)
	{
		case 0:
			return lo;
		case 1:
			return hi;
		case 2:
			return nextafter(lo, -INFINITY);
		case 3:
			return nextafter(hi, INFINITY);
		case 4:
			return NAN;
		case 5:
			return (sel & 0x10) ? INFINITY : -INFINITY;
		case 6:
			{
				uint64_t	bits = take_u64(r, 8);
				double		d;

				memcpy(&d, &bits, sizeof(d));
				return d;
			}
		case 7:
			return specials[take_u8(r) % (sizeof(specials) / sizeof(specials[0]))];
		case 8:
			return (double) (int8_t) take_u8(r);
		default:
			return lo + (hi - lo) * ((double) take_u8(r) / 255.0);
	}
}

/* An int meant to lie in [lo, hi], but not always. */
static int
take_int(Reader *r, int lo, int hi)
{
	uint8_t		sel = take_u8(r);

	if (sel < 200)
		return lo + (int) (take_u64(r, 2) % (uint64_t) (hi - lo + 1));
	switch (sel % 6)
	{
		case 0:
			return lo - 1;
		case 1:
			return hi + 1;
		case 2:
			return lo;
		case 3:
			return hi;
		case 4:
			return (sel & 1) ? INT32_MAX : INT32_MIN;
		default:
			return (int) (int32_t) (uint32_t) take_u64(r, 4);
	}
}

static TravelPoint
take_point(Reader *r)
{
	TravelPoint p;

	p.lat = take_double(r, -90.0, 90.0);
	p.lon = take_double(r, -180.0, 180.0);
	return p;
}

/* The harness's own classification of a point. */
static TravelError
expect_point(const TravelPoint *p)
{
	if (!isfinite(p->lat) || !isfinite(p->lon))
		return TRAVEL_ERR_NOT_FINITE;
	if (p->lat < -90.0 || p->lat > 90.0)
		return TRAVEL_ERR_LATITUDE;
	if (p->lon < -180.0 || p->lon > 180.0)
		return TRAVEL_ERR_LONGITUDE;
	return TRAVEL_OK;
}

static bool
in_closed(double x, double lo, double hi)
{
	return isfinite(x) && x >= lo && x <= hi;
}

static bool
in_left_open(double x, double lo, double hi)
{
	return isfinite(x) && x > lo && x <= hi;
}

static TravelError
expect_params(const TravelParams *p, int *bad)
{
	int			h;

	*bad = -1;
	if (!in_closed(p->detour_factor, 1.0, 5.0))
		return TRAVEL_ERR_DETOUR_FACTOR;
	for (h = 0; h < TRAVEL_HOURS; h++)
		if (!in_left_open(p->speed_kmh[h], 0.0, 300.0))
		{
			*bad = h;
			return TRAVEL_ERR_SPEED;
		}
	if (p->min_minutes < 0 || p->min_minutes > 1440)
		return TRAVEL_ERR_MIN_MINUTES;
	return TRAVEL_OK;
}

static TravelError
expect_entry(const TravelCacheEntry *e, int *bad)
{
	int			h;

	*bad = -1;
	if (!in_closed(e->base_minutes, 0.0, 100000.0))
		return TRAVEL_ERR_MINUTES;
	if (!in_closed(e->distance_m, 0.0, 1e8))
		return TRAVEL_ERR_DISTANCE;
	if (!in_left_open(e->traffic_multiplier, 0.0, 10.0))
		return TRAVEL_ERR_TRAFFIC_MULTIPLIER;
	if (!in_left_open(e->peak_multiplier, 0.0, 10.0))
		return TRAVEL_ERR_PEAK_MULTIPLIER;
	if (e->hour_factors)
		for (h = 0; h < TRAVEL_HOURS; h++)
			if (!in_closed(e->hour_factors[h], 0.0, 10.0))
			{
				*bad = h;
				return TRAVEL_ERR_HOUR_FACTOR;
			}
	return TRAVEL_OK;
}

static TravelError
expect_windows(const TravelWindow *w, int n, int *bad)
{
	int			i;

	*bad = -1;
	if (n < 0)
		return TRAVEL_ERR_WINDOW_COUNT;
	for (i = 0; i < n; i++)
	{
		if (w[i].start_minute < 0 || w[i].start_minute > 1440 ||
			w[i].end_minute < 0 || w[i].end_minute > 1440)
		{
			*bad = i;
			return TRAVEL_ERR_WINDOW_BOUND;
		}
		if (w[i].start_minute == w[i].end_minute ||
			(w[i].start_minute == 1440 && w[i].end_minute == 0))
		{
			*bad = i;
			return TRAVEL_ERR_WINDOW_EMPTY;
		}
	}
	return TRAVEL_OK;
}

/* Membership by walking the minutes of the window, a different formulation. */
static bool
walk_window(const TravelWindow *w, int minute)
{
	int			s = w->start_minute % 1440;
	int			e = w->end_minute % 1440;
	int			t;

	if (s == e)
		return true;			/* {0, 1440}: the whole day */
	for (t = s; t != e; t = (t + 1) % 1440)
		if (t == minute)
			return true;
	return false;
}

/* Great-circle distance as R * atan2(|a x b|, a . b) on unit vectors. */
static double
vector_distance(const TravelPoint *a, const TravelPoint *b)
{
	const double k = 3.14159265358979323846 / 180.0;
	double		ax = cos(a->lat * k) * cos(a->lon * k);
	double		ay = cos(a->lat * k) * sin(a->lon * k);
	double		az = sin(a->lat * k);
	double		bx = cos(b->lat * k) * cos(b->lon * k);
	double		by = cos(b->lat * k) * sin(b->lon * k);
	double		bz = sin(b->lat * k);
	double		cx = ay * bz - az * by;
	double		cy = az * bx - ax * bz;
	double		cz = ax * by - ay * bx;

	return TRAVEL_EARTH_RADIUS_M *
		atan2(sqrt(cx * cx + cy * cy + cz * cz), ax * bx + ay * by + az * bz);
}

static void
check_error_message(int code)
{
	const char *m = travel_error_message((TravelError) code);
	size_t		len;

	CHECK(m != NULL, "message is not NULL");
	len = strlen(m);
	CHECK(len > 0 && m[0] >= 'a' && m[0] <= 'z' && m[len - 1] != '.',
		  "message is lowercase, without a final period");
	CHECK((code >= 0 && code < TRAVEL_ERROR_COUNT) ==
		  (strcmp(m, "unknown travel error") != 0),
		  "only unknown codes are unknown");
}

static void
check_points(const TravelPoint *a, const TravelPoint *b, const TravelPoint *c)
{
	TravelError ea = expect_point(a);
	TravelError eb = expect_point(b);
	TravelError ec = expect_point(c);
	double		dab = -1.0;
	double		dba = -1.0;
	double		daa = -1.0;
	double		dac;
	double		dbc;
	TravelError err;

	CHECK(travel_point_validate(a) == ea, "point validation of a");
	CHECK(travel_point_validate(b) == eb, "point validation of b");

	err = travel_distance(a, b, &dab);
	CHECK(err == (ea != TRAVEL_OK ? ea : eb), "distance reports the first bad point");
	if (err != TRAVEL_OK)
	{
		CHECK(dab == -1.0, "distance output untouched on error");
		return;
	}
	CHECK(travel_distance(b, a, &dba) == TRAVEL_OK, "reverse distance");
	CHECK(travel_distance(a, a, &daa) == TRAVEL_OK, "distance to itself");
	CHECK(isfinite(dab) && dab >= 0.0 &&
		  dab <= 3.14159265358979323846 * TRAVEL_EARTH_RADIUS_M * (1 + 1e-15),
		  "distance in [0, pi R]");
	CHECK(dab == dba, "distance exactly symmetric");
	CHECK(daa == 0.0, "distance to itself is 0");
	if ((a->lat == 90.0 || a->lat == -90.0) && b->lat == a->lat)
		CHECK(dab == 0.0, "two longitudes of a pole are one point");
	CHECK(fabs(dab - vector_distance(a, b)) <= 1.0 + 1e-9 * dab,
		  "haversine agrees with the vector formula within 1 m");

	if (ec == TRAVEL_OK &&
		travel_distance(a, c, &dac) == TRAVEL_OK &&
		travel_distance(b, c, &dbc) == TRAVEL_OK)
		CHECK(dac <= dab + dbc + 1.0, "triangle inequality (1 m slack)");
}

static void
check_geohash(Reader *r, const TravelPoint *p)
{
	char		buf[TRAVEL_GEOHASH_BUFSIZE + 8];
	char		full[TRAVEL_GEOHASH_BUFSIZE];
	char		center_hash[TRAVEL_GEOHASH_BUFSIZE];
	int			precision = take_int(r, 1, 12);
	size_t		bufsize = (size_t) take_int(r, 0, 16) % (sizeof(buf) + 1);
	TravelError expected = expect_point(p);
	TravelError err;
	double		lat_lo = -90.0,
				lat_hi = 90.0,
				lon_lo = -180.0,
				lon_hi = 180.0;
	bool		lon_turn = true;
	TravelPoint center;
	int			i;
	int			bit;

	if (expected == TRAVEL_OK && (precision < 1 || precision > 12))
		expected = TRAVEL_ERR_PRECISION;
	if (expected == TRAVEL_OK && bufsize < (size_t) precision + 1)
		expected = TRAVEL_ERR_BUFFER;

	memset(buf, '#', sizeof(buf));
	err = travel_geohash(p, precision, buf, bufsize);
	CHECK(err == expected, "geohash status");
	if (err != TRAVEL_OK)
	{
		for (i = 0; i < (int) sizeof(buf); i++)
			CHECK(buf[i] == '#', "geohash buffer untouched on error");
		return;
	}
	CHECK(strlen(buf) == (size_t) precision, "geohash has the requested length");
	for (i = precision + 1; i < (int) sizeof(buf); i++)
		CHECK(buf[i] == '#', "nothing written past the terminator");

	/* decode independently and check the point lies in the cell */
	for (i = 0; i < precision; i++)
	{
		const char *c = strchr(ALPHABET, buf[i]);
		int			v;

		CHECK(buf[i] != '\0' && c != NULL, "only geohash base32 characters");
		v = (int) (c - ALPHABET);
		for (bit = 4; bit >= 0; bit--)
		{
			int			one = (v >> bit) & 1;

			if (lon_turn)
			{
				if (one)
					lon_lo = (lon_lo + lon_hi) / 2;
				else
					lon_hi = (lon_lo + lon_hi) / 2;
			}
			else
			{
				if (one)
					lat_lo = (lat_lo + lat_hi) / 2;
				else
					lat_hi = (lat_lo + lat_hi) / 2;
			}
			lon_turn = !lon_turn;
		}
	}
	CHECK(p->lat >= lat_lo && (p->lat < lat_hi || (p->lat == 90.0 && lat_hi == 90.0)),
		  "latitude lies in the decoded cell");
	CHECK(p->lon >= lon_lo && (p->lon < lon_hi || (p->lon == 180.0 && lon_hi == 180.0)),
		  "longitude lies in the decoded cell");

	center.lat = (lat_lo + lat_hi) / 2;
	center.lon = (lon_lo + lon_hi) / 2;
	CHECK(travel_geohash(&center, precision, center_hash, sizeof(center_hash)) == TRAVEL_OK &&
		  strcmp(center_hash, buf) == 0, "the cell's centre shares its hash");

	CHECK(travel_geohash(p, 12, full, sizeof(full)) == TRAVEL_OK &&
		  strncmp(full, buf, (size_t) precision) == 0,
		  "a shorter hash is a prefix of the longer");
}

static void
take_params(Reader *r, TravelParams *p)
{
	int			h;

	if (take_u8(r) < 64)
	{
		travel_params_default(p);
		return;
	}
	p->detour_factor = take_double(r, 1.0, 5.0);
	for (h = 0; h < TRAVEL_HOURS; h++)
		p->speed_kmh[h] = (take_u8(r) < 128) ? 30.0 : take_double(r, 0.0, 300.0);
	p->min_minutes = take_int(r, 0, 1440);
}

static void
check_round(Reader *r)
{
	double		x = take_double(r, 0.0, 200000.0);
	double		y = x * 1.0001 + 0.5;
	int			m = -1;
	int			my = -1;
	bool		valid = isfinite(x) && x >= 0.0;

	CHECK((travel_round_minutes(x, &m) == TRAVEL_OK) == valid, "round status");
	if (!valid)
	{
		CHECK(travel_round_minutes(x, &m) == TRAVEL_ERR_MINUTES && m == -1,
			  "round rejects without writing");
		return;
	}
	CHECK(m >= 0 && m <= TRAVEL_MAX_MINUTES, "rounded minutes in range");
	if (x >= TRAVEL_MAX_MINUTES)
		CHECK(m == TRAVEL_MAX_MINUTES, "capped");
	else
		CHECK(m >= x - 2e-6 && m < x + 1.0, "rounded up within the tolerance");
	if (isfinite(y) && travel_round_minutes(y, &my) == TRAVEL_OK)
		CHECK(my >= m, "rounding is monotonic");
}

static void
check_estimate(Reader *r, const TravelPoint *a, const TravelPoint *b)
{
	TravelParams params;
	int			bad;
	int			bad_got = 99;
	TravelError ep;
	double		d = take_double(r, 0.0, 3e7);
	int			hour = take_int(r, 0, 23);
	int			m = -1;
	int			m2 = -1;
	int			mab = -1;
	int			mba = -1;
	double		dout = -1.0;
	double		dab;
	TravelError expected;
	TravelError err;

	take_params(r, &params);
	ep = expect_params(&params, &bad);
	CHECK(travel_params_validate(&params, &bad_got) == ep && bad_got == bad,
		  "params validation and bad_index");

	expected = in_closed(d, 0.0, 1e8) ? ep : TRAVEL_ERR_DISTANCE;
	if (expected == TRAVEL_OK && (hour < 0 || hour > 23))
		expected = TRAVEL_ERR_HOUR;
	err = travel_estimate_minutes(d, &params, hour, &m);
	CHECK(err == expected, "estimate_minutes status");
	if (err != TRAVEL_OK)
		CHECK(m == -1, "estimate output untouched on error");
	else
	{
		double		raw = d * params.detour_factor / (params.speed_kmh[hour] / 0.06);

		CHECK(m >= 0 && m <= TRAVEL_MAX_MINUTES, "estimate in [0, cap]");
		if (d == 0.0)
			CHECK(m == 0, "distance 0 gives 0");
		else
		{
			CHECK(m >= params.min_minutes, "never below the minimum");
			if (m < TRAVEL_MAX_MINUTES)
				CHECK(m >= raw - 1e-5 && (m == params.min_minutes || m < raw + 1.0),
					  "estimate is the rounded-up raw minutes");
			else
				CHECK(!(raw < TRAVEL_MAX_MINUTES - 1.0), "capped only when the raw value is");
		}
		if (d * 1.5 <= 1e8)
			CHECK(travel_estimate_minutes(d * 1.5, &params, hour, &m2) == TRAVEL_OK && m2 >= m,
				  "estimate is monotonic in distance");
	}

	/* from points */
	expected = expect_point(a);
	if (expected == TRAVEL_OK)
		expected = expect_point(b);
	if (expected == TRAVEL_OK)
		expected = ep;
	if (expected == TRAVEL_OK && (hour < 0 || hour > 23))
		expected = TRAVEL_ERR_HOUR;
	err = travel_estimate(a, b, &params, hour, &mab, &dout);
	CHECK(err == expected, "estimate status");
	if (err != TRAVEL_OK)
	{
		CHECK(mab == -1 && dout == -1.0, "estimate outputs untouched on error");
		return;
	}
	CHECK(travel_distance(a, b, &dab) == TRAVEL_OK && dab == dout, "estimate distance");
	CHECK(travel_estimate_minutes(dab, &params, hour, &m2) == TRAVEL_OK && m2 == mab,
		  "estimate equals estimate_minutes of the distance");
	CHECK(travel_estimate(b, a, &params, hour, &mba, NULL) == TRAVEL_OK && mba == mab,
		  "estimate is symmetric");
}

static void
check_cache(Reader *r)
{
	double		factors[TRAVEL_HOURS];
	TravelCacheEntry e;
	int			hour = take_int(r, 0, 23);
	bool		in_peak = take_u8(r) & 1;
	int			bad;
	int			bad_got = 99;
	int			m = -1;
	int			h;
	TravelError expected;
	TravelError err;

	e.base_minutes = take_double(r, 0.0, 2000.0);
	e.distance_m = take_double(r, 0.0, 1e6);
	e.traffic_multiplier = take_double(r, 0.0, 10.0);
	e.peak_multiplier = take_double(r, 0.0, 10.0);
	e.hour_factors = NULL;
	if (take_u8(r) & 1)
	{
		for (h = 0; h < TRAVEL_HOURS; h++)
			factors[h] = (take_u8(r) < 128) ? 1.0 : take_double(r, 0.0, 10.0);
		e.hour_factors = factors;
	}

	expected = expect_entry(&e, &bad);
	CHECK(travel_cache_validate(&e, &bad_got) == expected && bad_got == bad,
		  "cache validation and bad_index");
	if (expected == TRAVEL_OK && (hour < 0 || hour > 23))
		expected = TRAVEL_ERR_HOUR;
	err = travel_cache_minutes(&e, hour, in_peak, &m);
	CHECK(err == expected, "cache minutes status");
	if (err != TRAVEL_OK)
	{
		CHECK(m == -1, "cache output untouched on error");
		return;
	}
	{
		double		raw = e.base_minutes * e.traffic_multiplier *
			(in_peak ? e.peak_multiplier : 1.0) *
			(e.hour_factors ? e.hour_factors[hour] : 1.0);

		CHECK(m >= 0 && m <= TRAVEL_MAX_MINUTES, "cached minutes in [0, cap]");
		if (raw == 0.0)
			CHECK(m == 0, "zero product gives 0");
		if (m < TRAVEL_MAX_MINUTES)
			CHECK(m >= raw - 1e-5 && m < raw + 1.0, "cached minutes are the rounded-up product");
		else
			CHECK(!(raw < TRAVEL_MAX_MINUTES - 1.0), "capped only when the product is");
	}
}

static void
check_windows(Reader *r)
{
	TravelWindow w[8];
	int			n = take_int(r, 0, 8);
	int			minute = take_int(r, 0, 1439);
	int			bad;
	int			bad_got = 99;
	bool		inside = false;
	bool		walked = false;
	TravelError expected;
	TravelError err;
	int			i;

	for (i = 0; i < 8; i++)
	{
		w[i].start_minute = take_int(r, 0, 1440);
		w[i].end_minute = take_int(r, 0, 1440);
	}
	if (n > 8)
		n = 8;

	expected = expect_windows(w, n, &bad);
	CHECK(travel_windows_validate(w, n, &bad_got) == expected && bad_got == bad,
		  "window validation and bad_index");
	if (expected == TRAVEL_OK && (minute < 0 || minute > 1439))
		expected = TRAVEL_ERR_MINUTE_OF_DAY;
	err = travel_in_windows(w, n, minute, &inside);
	CHECK(err == expected, "in_windows status");
	if (err != TRAVEL_OK)
		return;
	for (i = 0; i < n; i++)
		walked = walked || walk_window(&w[i], minute);
	CHECK(inside == walked, "in_windows agrees with walking the windows");
}

/* Every function rejects a NULL pointer it needs, and writes nothing. */
static void
check_nulls(void)
{
	TravelPoint p = {0.0, 0.0};
	TravelParams params;
	TravelCacheEntry e = {1.0, 1.0, 1.0, 1.0, NULL};
	char		buf[TRAVEL_GEOHASH_BUFSIZE];
	double		d = -1.0;
	int			m = -1;
	int			bad = 99;
	bool		in = true;

	travel_params_default(&params);
	CHECK(travel_point_validate(NULL) == TRAVEL_ERR_NULL_ARGUMENT, "NULL point");
	CHECK(travel_distance(NULL, &p, &d) == TRAVEL_ERR_NULL_ARGUMENT &&
		  travel_distance(&p, NULL, &d) == TRAVEL_ERR_NULL_ARGUMENT &&
		  travel_distance(&p, &p, NULL) == TRAVEL_ERR_NULL_ARGUMENT, "NULL to distance");
	CHECK(travel_geohash(NULL, 5, buf, sizeof(buf)) == TRAVEL_ERR_NULL_ARGUMENT &&
		  travel_geohash(&p, 5, NULL, sizeof(buf)) == TRAVEL_ERR_NULL_ARGUMENT, "NULL to geohash");
	CHECK(travel_params_validate(NULL, &bad) == TRAVEL_ERR_NULL_ARGUMENT && bad == -1,
		  "NULL params");
	CHECK(travel_round_minutes(1.0, NULL) == TRAVEL_ERR_NULL_ARGUMENT, "NULL to round");
	CHECK(travel_estimate_minutes(1.0, NULL, 0, &m) == TRAVEL_ERR_NULL_ARGUMENT &&
		  travel_estimate_minutes(1.0, &params, 0, NULL) == TRAVEL_ERR_NULL_ARGUMENT,
		  "NULL to estimate_minutes");
	CHECK(travel_estimate(NULL, &p, &params, 0, &m, &d) == TRAVEL_ERR_NULL_ARGUMENT &&
		  travel_estimate(&p, NULL, &params, 0, &m, &d) == TRAVEL_ERR_NULL_ARGUMENT &&
		  travel_estimate(&p, &p, NULL, 0, &m, &d) == TRAVEL_ERR_NULL_ARGUMENT &&
		  travel_estimate(&p, &p, &params, 0, NULL, &d) == TRAVEL_ERR_NULL_ARGUMENT,
		  "NULL to estimate");
	CHECK(travel_cache_validate(NULL, &bad) == TRAVEL_ERR_NULL_ARGUMENT && bad == -1 &&
		  travel_cache_minutes(NULL, 0, false, &m) == TRAVEL_ERR_NULL_ARGUMENT &&
		  travel_cache_minutes(&e, 0, false, NULL) == TRAVEL_ERR_NULL_ARGUMENT,
		  "NULL to cache");
	CHECK(travel_windows_validate(NULL, 1, &bad) == TRAVEL_ERR_NULL_ARGUMENT &&
		  travel_in_windows(NULL, 1, 0, &in) == TRAVEL_ERR_NULL_ARGUMENT &&
		  travel_in_windows(NULL, 0, 0, NULL) == TRAVEL_ERR_NULL_ARGUMENT,
		  "NULL to windows");
	CHECK(d == -1.0 && m == -1 && in, "nothing written for NULL arguments");
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Reader		r = {data, size, 0};
	TravelPoint a;
	TravelPoint b;
	TravelPoint c;
	TravelParams defaults;
	int			bad = 99;

	check_error_message(take_int(&r, -3, TRAVEL_ERROR_COUNT + 3));
	if (size == 0)
		check_nulls();

	travel_params_default(&defaults);
	CHECK(travel_params_validate(&defaults, &bad) == TRAVEL_OK && bad == -1,
		  "defaults are valid");

	a = take_point(&r);
	b = take_point(&r);
	c = take_point(&r);
	check_points(&a, &b, &c);
	check_geohash(&r, &a);
	check_round(&r);
	check_estimate(&r, &a, &b);
	check_cache(&r);
	check_windows(&r);
	return 0;
}
