/*
 * test/unit/test_travel.c
 *		Unit tests of src/core/travel.c, the pure C travel-time core.
 *
 * Expected values are computed independently of the code under test:
 * distances from closed forms (pi * R, a degree of arc) or from a separate
 * haversine in Python (Berlin, Munich, Hamburg; Rosetta Code's Nashville to
 * Los Angeles scaled to our radius); geohashes from published examples, from
 * hand derivation of the bit pattern (poles, antimeridian) or from an exact
 * rational bisection in Python; minutes by hand.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "tap.h"
#include "travel.h"

#define BERLIN_LAT	52.5219			/* Alexanderplatz */
#define BERLIN_LON	13.4132
#define MUNICH_LAT	48.1374			/* Marienplatz */
#define MUNICH_LON	11.5755
#define HAMBURG_LAT 53.5503			/* Rathaus */
#define HAMBURG_LON 9.9920

/* pi * R and one degree of arc on the sphere of TRAVEL_EARTH_RADIUS_M */
#define HALF_CIRCUMFERENCE_M	20015114.442035925
#define DEGREE_M				111195.08023353292

static TravelPoint
pt(double lat, double lon)
{
	TravelPoint p;

	p.lat = lat;
	p.lon = lon;
	return p;
}

static void
test_error_messages(void)
{
	int			i;
	int			j;
	bool		all_good = true;
	bool		all_distinct = true;

	for (i = 0; i < TRAVEL_ERROR_COUNT; i++)
	{
		const char *m = travel_error_message((TravelError) i);
		size_t		len = m ? strlen(m) : 0;

		if (m == NULL || len == 0 || m[0] < 'a' || m[0] > 'z' ||
			m[len - 1] == '.' || strcmp(m, "unknown travel error") == 0)
		{
			all_good = false;
			printf("# bad message for code %d: '%s'\n", i, m ? m : "(null)");
		}
		for (j = 0; j < i; j++)
			if (strcmp(m, travel_error_message((TravelError) j)) == 0)
				all_distinct = false;
	}
	ok(all_good, "every code has a lowercase message without a final period");
	ok(all_distinct, "the %d messages are distinct", TRAVEL_ERROR_COUNT);
	is_str(travel_error_message(TRAVEL_OK), "no error", "TRAVEL_OK message");
	is_str(travel_error_message(TRAVEL_ERR_LATITUDE), "latitude is out of range",
		   "TRAVEL_ERR_LATITUDE message");
	is_str(travel_error_message((TravelError) TRAVEL_ERROR_COUNT),
		   "unknown travel error", "code past the last is unknown");
	is_str(travel_error_message((TravelError) 999), "unknown travel error",
		   "code 999 is unknown");
}

static void
test_point_validate(void)
{
	TravelPoint p;

	p = pt(0, 0);
	is_int(travel_point_validate(&p), TRAVEL_OK, "0,0 is valid");
	p = pt(90, 180);
	is_int(travel_point_validate(&p), TRAVEL_OK, "90,180 is valid (bounds inclusive)");
	p = pt(-90, -180);
	is_int(travel_point_validate(&p), TRAVEL_OK, "-90,-180 is valid");
	p = pt(-0.0, -0.0);
	is_int(travel_point_validate(&p), TRAVEL_OK, "-0,-0 is valid");
	p = pt(nextafter(90.0, 91.0), 0);
	is_int(travel_point_validate(&p), TRAVEL_ERR_LATITUDE, "next double above 90 is out of range");
	p = pt(-90.5, 0);
	is_int(travel_point_validate(&p), TRAVEL_ERR_LATITUDE, "latitude -90.5 is out of range");
	p = pt(0, nextafter(180.0, 181.0));
	is_int(travel_point_validate(&p), TRAVEL_ERR_LONGITUDE, "next double above 180 is out of range");
	p = pt(0, -181);
	is_int(travel_point_validate(&p), TRAVEL_ERR_LONGITUDE, "longitude -181 is out of range");
	p = pt(NAN, 0);
	is_int(travel_point_validate(&p), TRAVEL_ERR_NOT_FINITE, "NaN latitude");
	p = pt(0, NAN);
	is_int(travel_point_validate(&p), TRAVEL_ERR_NOT_FINITE, "NaN longitude");
	p = pt(INFINITY, 0);
	is_int(travel_point_validate(&p), TRAVEL_ERR_NOT_FINITE, "infinite latitude");
	p = pt(0, -INFINITY);
	is_int(travel_point_validate(&p), TRAVEL_ERR_NOT_FINITE, "-infinite longitude");
	p = pt(1000, NAN);
	is_int(travel_point_validate(&p), TRAVEL_ERR_NOT_FINITE, "non-finite is reported before range");
	p = pt(1000, 1000);
	is_int(travel_point_validate(&p), TRAVEL_ERR_LATITUDE, "latitude is reported before longitude");
	is_int(travel_point_validate(NULL), TRAVEL_ERR_NULL_ARGUMENT, "NULL point");
}

static double
dist(double lat1, double lon1, double lat2, double lon2)
{
	TravelPoint a = pt(lat1, lon1);
	TravelPoint b = pt(lat2, lon2);
	double		d = -1.0;

	if (travel_distance(&a, &b, &d) != TRAVEL_OK)
		return -2.0;
	return d;
}

static void
test_distance(void)
{
	TravelPoint a = pt(BERLIN_LAT, BERLIN_LON);
	TravelPoint b = pt(MUNICH_LAT, MUNICH_LON);
	TravelPoint bad = pt(0, 200);
	double		d;
	double		d_rev;

	d = dist(BERLIN_LAT, BERLIN_LON, MUNICH_LAT, MUNICH_LON);
	ok(fabs(d - 504000.0) <= 0.005 * 504000.0,
	   "Berlin-Munich is 504 km within 0.5%% (got %.1f m)", d);
	is_double(d, 504639.5643100503, 0.001, "Berlin-Munich matches an independent haversine");
	is_double(dist(BERLIN_LAT, BERLIN_LON, HAMBURG_LAT, HAMBURG_LON),
			  255704.9656404443, 0.001, "Berlin-Hamburg 255.7 km");
	is_double(dist(MUNICH_LAT, MUNICH_LON, HAMBURG_LAT, HAMBURG_LON),
			  612028.6289619445, 0.001, "Munich-Hamburg 612.0 km");
	/* Rosetta Code: 2887.2599506071106 km with R = 6372.8 km; scale to R */
	is_double(dist(36.12, -86.67, 33.94, -118.40),
			  2887259.9506071106 * TRAVEL_EARTH_RADIUS_M / 6372800.0, 0.001,
			  "Nashville-Los Angeles matches Rosetta Code, scaled to our radius");
	is_double(dist(0, 0, 0, 180), HALF_CIRCUMFERENCE_M, 1e-6, "antipodes on the equator: pi * R");
	is_double(dist(90, 0, -90, 0), HALF_CIRCUMFERENCE_M, 1e-6, "pole to pole: pi * R");
	is_double(dist(37, 10, -37, -170), HALF_CIRCUMFERENCE_M, 1e-3, "antipodes off the equator: pi * R");
	is_double(dist(0, 0, 90, 0), HALF_CIRCUMFERENCE_M / 2, 1e-6, "equator to pole: pi * R / 2");
	is_double(dist(10, 20, 11, 20), DEGREE_M, 1e-6, "one degree of latitude");
	is_double(dist(0, 179.5, 0, -179.5), DEGREE_M, 1e-6, "one degree of longitude across the antimeridian");
	is_double(dist(60, 10, 60, 11), 55597.01086489692, 1e-6, "one degree of longitude at 60 N");
	is_double(dist(48.1374, 11.5755, 48.1374, 11.5755), 0.0, 0.0, "same point: exactly 0");
	is_double(dist(90, 0, 90, 123.4), 0.0, 0.0, "two longitudes of the north pole: exactly 0");
	is_double(dist(-90, -180, -90, 45), 0.0, 0.0, "two longitudes of the south pole: exactly 0");
	is_double(dist(12, -180, 12, 180), 0.0, 0.0, "longitudes -180 and 180 are one meridian");
	is_double(dist(0, 0, 0, 1e-9), DEGREE_M * 1e-9, 1e-12, "a nanodegree apart: 0.11 mm");

	ok(travel_distance(&a, &b, &d) == TRAVEL_OK &&
	   travel_distance(&b, &a, &d_rev) == TRAVEL_OK && d == d_rev,
	   "distance is exactly symmetric");

	d = -1.0;
	is_int(travel_distance(NULL, &b, &d), TRAVEL_ERR_NULL_ARGUMENT, "NULL origin");
	is_int(travel_distance(&a, &b, NULL), TRAVEL_ERR_NULL_ARGUMENT, "NULL output");
	is_int(travel_distance(&bad, &b, &d), TRAVEL_ERR_LONGITUDE, "bad origin");
	bad = pt(NAN, 0);
	is_int(travel_distance(&a, &bad, &d), TRAVEL_ERR_NOT_FINITE, "bad destination");
	is_double(d, -1.0, 0.0, "output untouched on error");
}

static const char *
hash(double lat, double lon, int precision)
{
	static char buf[TRAVEL_GEOHASH_BUFSIZE];
	TravelPoint p = pt(lat, lon);

	if (travel_geohash(&p, precision, buf, sizeof(buf)) != TRAVEL_OK)
		return "(error)";
	return buf;
}

static void
test_geohash(void)
{
	TravelPoint p = pt(MUNICH_LAT, MUNICH_LON);
	char		buf[TRAVEL_GEOHASH_BUFSIZE];
	char		full[TRAVEL_GEOHASH_BUFSIZE];
	char		full_east[TRAVEL_GEOHASH_BUFSIZE];
	char		small[6];
	int			prec;
	bool		prefixes = true;
	bool		differ = true;
	double		north_edge = 48.137969970703125;	/* of cell u281z7j */

	is_str(hash(57.64911, 10.40744, 11), "u4pruydqqvj", "Wikipedia example at precision 11");
	is_str(hash(42.6, -5.6, 5), "ezs42", "Wikipedia example at precision 5");
	is_str(hash(BERLIN_LAT, BERLIN_LON, 12), "u33dc1r4npyc", "Alexanderplatz at precision 12");
	is_str(hash(MUNICH_LAT, MUNICH_LON, 7), "u281z7j", "Marienplatz at precision 7");
	is_str(hash(0, 0, 12), "s00000000000", "0,0 lies in the cell to its north-east");
	is_str(hash(-0.0, -0.0, 3), "s00", "-0,-0 hashes as 0,0");
	is_str(hash(0, -1e-9, 12), "ebpbpbpbpbpb", "just west of 0,0");
	is_str(hash(90, 180, 12), "zzzzzzzzzzzz", "north pole at 180: all ones");
	is_str(hash(-90, -180, 12), "000000000000", "south pole at -180: all zeros");
	is_str(hash(90, -180, 12), "bpbpbpbpbpbp", "north pole at -180");
	is_str(hash(-90, 180, 12), "pbpbpbpbpbpb", "south pole at 180");
	is_str(hash(0, 180, 12), "xbpbpbpbpbpb", "equator at 180 (easternmost cell)");
	is_str(hash(0, -180, 12), "800000000000", "equator at -180 (westernmost cell)");
	is_str(hash(90, 0, 1), "u", "north pole at precision 1");
	is_str(hash(-90, 0, 1), "h", "south pole at precision 1");

	/* nearby points in one cell share the hash; across an edge they do not */
	is_str(hash(48.1379, 11.5768, 7), "u281z7j", "a point 100 m away in the same cell shares it");
	is_str(hash(nextafter(north_edge, 0.0), MUNICH_LON, 7), "u281z7j",
		   "the last double below the north edge is inside");
	ok(strcmp(hash(north_edge, MUNICH_LON, 7), "u281z7j") != 0,
	   "the north edge itself belongs to the next cell");

	ok(travel_geohash(&p, 12, full, sizeof(full)) == TRAVEL_OK, "precision 12");
	is_int(strlen(full), 12, "precision 12 gives 12 characters");
	for (prec = 1; prec <= 12; prec++)
	{
		memset(buf, 'X', sizeof(buf));
		if (travel_geohash(&p, prec, buf, sizeof(buf)) != TRAVEL_OK ||
			strlen(buf) != (size_t) prec || strncmp(buf, full, prec) != 0)
			prefixes = false;
		strcpy(full_east, hash(10, 0, prec));
		if (strcmp(full_east, hash(10, -1e-12, prec)) == 0)
			differ = false;
	}
	ok(prefixes, "each precision is the prefix of the next, of its own length");
	ok(differ, "points 1e-12 degrees apart across the prime meridian differ at every precision");

	is_int(travel_geohash(&p, 5, small, sizeof(small)), TRAVEL_OK, "precision 5 fits 6 bytes");
	is_str(small, "u281z", "and is the 5-character prefix");
	memset(small, 'X', sizeof(small));
	is_int(travel_geohash(&p, 6, small, sizeof(small)), TRAVEL_ERR_BUFFER, "precision 6 needs 7 bytes");
	ok(small[0] == 'X', "buffer untouched on error");
	is_int(travel_geohash(&p, 0, buf, sizeof(buf)), TRAVEL_ERR_PRECISION, "precision 0");
	is_int(travel_geohash(&p, 13, buf, sizeof(buf)), TRAVEL_ERR_PRECISION, "precision 13");
	is_int(travel_geohash(&p, -1, buf, sizeof(buf)), TRAVEL_ERR_PRECISION, "precision -1");
	is_int(travel_geohash(NULL, 5, buf, sizeof(buf)), TRAVEL_ERR_NULL_ARGUMENT, "NULL point");
	is_int(travel_geohash(&p, 5, NULL, 6), TRAVEL_ERR_NULL_ARGUMENT, "NULL buffer");
	p = pt(91, 0);
	is_int(travel_geohash(&p, 0, buf, 0), TRAVEL_ERR_LATITUDE, "the point is checked first");
	p = pt(0, INFINITY);
	is_int(travel_geohash(&p, 5, buf, sizeof(buf)), TRAVEL_ERR_NOT_FINITE, "infinite longitude");
}

static void
test_params(void)
{
	TravelParams params;
	TravelParams p;
	int			idx;

	travel_params_default(&params);
	travel_params_default(NULL);	/* must not crash */
	idx = 99;
	is_int(travel_params_validate(&params, &idx), TRAVEL_OK, "defaults are valid");
	is_int(idx, -1, "bad_index is -1 when valid");
	is_double(params.detour_factor, 1.3, 0.0, "default detour factor 1.3");
	is_int(params.min_minutes, 5, "default minimum 5 minutes");
	is_double(params.speed_kmh[3], 40.0, 0.0, "default speed at 03: 40 km/h");
	is_double(params.speed_kmh[7], 20.0, 0.0, "default speed at 07 (rush): 20 km/h");
	is_double(params.speed_kmh[8], 20.0, 0.0, "default speed at 08 (rush): 20 km/h");
	is_double(params.speed_kmh[9], 30.0, 0.0, "default speed at 09: 30 km/h");
	is_double(params.speed_kmh[12], 30.0, 0.0, "default speed at 12: 30 km/h");
	is_double(params.speed_kmh[16], 20.0, 0.0, "default speed at 16 (rush): 20 km/h");
	is_double(params.speed_kmh[17], 20.0, 0.0, "default speed at 17 (rush): 20 km/h");
	is_double(params.speed_kmh[20], 35.0, 0.0, "default speed at 20: 35 km/h");
	is_double(params.speed_kmh[23], 40.0, 0.0, "default speed at 23: 40 km/h");

	p = params;
	p.detour_factor = 1.0;
	is_int(travel_params_validate(&p, NULL), TRAVEL_OK, "detour 1.0 is valid");
	p.detour_factor = 5.0;
	is_int(travel_params_validate(&p, NULL), TRAVEL_OK, "detour 5.0 is valid");
	p.detour_factor = 0.99;
	is_int(travel_params_validate(&p, &idx), TRAVEL_ERR_DETOUR_FACTOR, "detour 0.99");
	is_int(idx, -1, "bad_index -1 for a scalar field");
	p.detour_factor = 5.01;
	is_int(travel_params_validate(&p, NULL), TRAVEL_ERR_DETOUR_FACTOR, "detour 5.01");
	p.detour_factor = NAN;
	is_int(travel_params_validate(&p, NULL), TRAVEL_ERR_DETOUR_FACTOR, "detour NaN");
	p.detour_factor = INFINITY;
	is_int(travel_params_validate(&p, NULL), TRAVEL_ERR_DETOUR_FACTOR, "detour infinite");

	p = params;
	p.speed_kmh[7] = 0.0;
	is_int(travel_params_validate(&p, &idx), TRAVEL_ERR_SPEED, "speed 0");
	is_int(idx, 7, "bad_index names hour 7");
	p = params;
	p.speed_kmh[0] = -30.0;
	is_int(travel_params_validate(&p, &idx), TRAVEL_ERR_SPEED, "negative speed");
	is_int(idx, 0, "bad_index names hour 0");
	p = params;
	p.speed_kmh[23] = NAN;
	is_int(travel_params_validate(&p, &idx), TRAVEL_ERR_SPEED, "NaN speed");
	is_int(idx, 23, "bad_index names hour 23");
	p = params;
	p.speed_kmh[12] = 300.0;
	is_int(travel_params_validate(&p, NULL), TRAVEL_OK, "speed 300 is valid");
	p.speed_kmh[12] = 300.001;
	is_int(travel_params_validate(&p, NULL), TRAVEL_ERR_SPEED, "speed 300.001");
	p.speed_kmh[12] = INFINITY;
	is_int(travel_params_validate(&p, NULL), TRAVEL_ERR_SPEED, "infinite speed");

	p = params;
	p.min_minutes = 0;
	is_int(travel_params_validate(&p, NULL), TRAVEL_OK, "minimum 0 is valid");
	p.min_minutes = 1440;
	is_int(travel_params_validate(&p, NULL), TRAVEL_OK, "minimum 1440 is valid");
	p.min_minutes = -1;
	is_int(travel_params_validate(&p, NULL), TRAVEL_ERR_MIN_MINUTES, "negative minimum");
	p.min_minutes = 1441;
	is_int(travel_params_validate(&p, NULL), TRAVEL_ERR_MIN_MINUTES, "minimum 1441");

	p = params;
	p.detour_factor = 0.0;
	p.speed_kmh[1] = 0.0;
	p.min_minutes = -1;
	is_int(travel_params_validate(&p, NULL), TRAVEL_ERR_DETOUR_FACTOR, "detour is reported first");
	p.detour_factor = 1.3;
	is_int(travel_params_validate(&p, NULL), TRAVEL_ERR_SPEED, "then speed");
	is_int(travel_params_validate(NULL, &idx), TRAVEL_ERR_NULL_ARGUMENT, "NULL params");
	is_int(idx, -1, "bad_index -1 for NULL params");
}

static int
rounded(double raw)
{
	int			m = -1;

	if (travel_round_minutes(raw, &m) != TRAVEL_OK)
		return -2;
	return m;
}

static void
test_round_minutes(void)
{
	volatile double fifty = 50.0;
	volatile double one_point_one = 1.1;
	double		noisy = fifty * one_point_one;
	int			m = -1;

	ok(noisy > 55.0 && (int) ceil(noisy) == 56,
	   "50 * 1.1 is 55.00000000000001 in binary, and plain ceil gives 56");
	is_int(rounded(noisy), 55, "round_up gives 55");
	is_int(rounded(12.000000001), 12, "12.000000001 rounds to 12");
	is_int(rounded(12.0000009), 12, "12.0000009 (within 1e-6) rounds to 12");
	is_int(rounded(12.0000011), 13, "12.0000011 (beyond 1e-6) rounds to 13");
	is_int(rounded(12.001), 13, "12.001 rounds to 13");
	is_int(rounded(11.9999999999), 12, "11.9999999999 rounds to 12");
	is_int(rounded(12.0), 12, "12 stays 12");
	is_int(rounded(0.5), 1, "0.5 rounds to 1");
	is_int(rounded(0.0), 0, "0 stays 0");
	is_int(rounded(-0.0), 0, "-0 gives 0");
	is_int(rounded(1e-7), 0, "1e-7 is noise above 0");
	is_int(rounded(99998.2), 99999, "99998.2 rounds to 99999");
	is_int(rounded(99999.5), TRAVEL_MAX_MINUTES, "99999.5 rounds to the cap");
	is_int(rounded(100000.5), TRAVEL_MAX_MINUTES, "100000.5 is capped");
	is_int(rounded(1e300), TRAVEL_MAX_MINUTES, "1e300 is capped");
	is_int(rounded(DBL_MAX), TRAVEL_MAX_MINUTES, "the largest double is capped");
	is_int(travel_round_minutes(NAN, &m), TRAVEL_ERR_MINUTES, "NaN");
	is_int(travel_round_minutes(INFINITY, &m), TRAVEL_ERR_MINUTES, "infinity");
	is_int(travel_round_minutes(-1.0, &m), TRAVEL_ERR_MINUTES, "negative");
	is_int(travel_round_minutes(-1e-300, &m), TRAVEL_ERR_MINUTES, "tiny negative");
	is_int(m, -1, "output untouched on error");
	is_int(travel_round_minutes(1.0, NULL), TRAVEL_ERR_NULL_ARGUMENT, "NULL output");
}

static int
estimate(double distance_m, const TravelParams *params, int hour)
{
	int			m = -1;

	if (travel_estimate_minutes(distance_m, params, hour, &m) != TRAVEL_OK)
		return -2;
	return m;
}

static void
test_estimate(void)
{
	TravelParams params;
	TravelParams p;
	TravelPoint berlin = pt(BERLIN_LAT, BERLIN_LON);
	TravelPoint munich = pt(MUNICH_LAT, MUNICH_LON);
	TravelPoint bad = pt(-91, 0);
	int			m;
	double		d;

	travel_params_default(&params);

	/* defaults: metres * 1.3 * 60 / (km/h * 1000) */
	is_int(estimate(10000, &params, 12), 26, "10 km at noon: 13 km / 30 km/h = 26 min");
	is_int(estimate(10000, &params, 7), 39, "10 km at 07 (rush): 13 km / 20 km/h = 39 min");
	is_int(estimate(10000, &params, 3), 20, "10 km at 03: 19.5 min rounds up to 20");
	is_int(estimate(3000, &params, 12), 8, "3 km at noon: 7.8 min rounds up to 8");
	is_int(estimate(100, &params, 12), 5, "100 m: 0.26 min, raised to the minimum 5");
	is_int(estimate(1e-9, &params, 12), 5, "a nanometre: raised to the minimum 5");
	is_int(estimate(0, &params, 12), 0, "distance 0: same point, 0 not the minimum");
	is_int(estimate(-0.0, &params, 12), 0, "distance -0 is the same point too");

	p = params;
	p.detour_factor = 1.1;
	p.speed_kmh[12] = 30.0;
	{
		volatile double raw = 25000.0 * 1.1 * 60.0 / (30.0 * 1000.0);

		ok(raw > 55.0, "25 km * 1.1 at 30 km/h is 55.00000000000001 in binary");
	}
	is_int(estimate(25000, &p, 12), 55, "and the estimate is 55, not 56");
	p.min_minutes = 0;
	is_int(estimate(1, &p, 12), 1, "minimum 0: 1 m is still 1 minute");
	is_int(estimate(1e-6, &p, 12), 0, "minimum 0: 1 micrometre is 0 minutes");
	p.min_minutes = 1440;
	is_int(estimate(25000, &p, 12), 1440, "minimum 1440 applies");

	p = params;
	p.detour_factor = 5.0;
	p.speed_kmh[0] = 0.001;
	is_int(estimate(TRAVEL_MAX_DISTANCE_M, &p, 0), TRAVEL_MAX_MINUTES, "3e10 minutes are capped");
	p.speed_kmh[0] = 4.9406564584124654e-324;
	is_int(estimate(TRAVEL_MAX_DISTANCE_M, &p, 0), TRAVEL_MAX_MINUTES,
		   "a denormal speed (infinite raw minutes) is capped");
	is_int(estimate(HALF_CIRCUMFERENCE_M, &params, 7), 78059,
		   "half the Earth at rush hour: 20015.1 km * 1.3 / 20 km/h = 78058.9 min");

	m = -1;
	is_int(travel_estimate_minutes(TRAVEL_MAX_DISTANCE_M + 1, &params, 12, &m),
		   TRAVEL_ERR_DISTANCE, "distance above 1e8 m");
	is_int(travel_estimate_minutes(-1, &params, 12, &m), TRAVEL_ERR_DISTANCE, "negative distance");
	is_int(travel_estimate_minutes(NAN, &params, 12, &m), TRAVEL_ERR_DISTANCE, "NaN distance");
	is_int(travel_estimate_minutes(INFINITY, &params, 12, &m), TRAVEL_ERR_DISTANCE, "infinite distance");
	is_int(travel_estimate_minutes(1000, &params, -1, &m), TRAVEL_ERR_HOUR, "hour -1");
	is_int(travel_estimate_minutes(1000, &params, 24, &m), TRAVEL_ERR_HOUR, "hour 24");
	p = params;
	p.speed_kmh[5] = 0.0;
	is_int(travel_estimate_minutes(1000, &p, 12, &m), TRAVEL_ERR_SPEED,
		   "a bad speed at another hour is still an error");
	is_int(travel_estimate_minutes(-1, &p, 24, &m), TRAVEL_ERR_DISTANCE,
		   "distance is checked before params and hour");
	is_int(travel_estimate_minutes(1000, &p, 24, &m), TRAVEL_ERR_SPEED,
		   "params are checked before hour");
	is_int(travel_estimate_minutes(1000, NULL, 12, &m), TRAVEL_ERR_NULL_ARGUMENT, "NULL params");
	is_int(travel_estimate_minutes(1000, &params, 12, NULL), TRAVEL_ERR_NULL_ARGUMENT, "NULL output");
	is_int(m, -1, "output untouched on error");

	/* from points: 504639.564 m * 1.3 * 60 / 30000 = 1312.06, / 20000 = 1968.09 */
	m = -1;
	d = -1;
	is_int(travel_estimate(&berlin, &munich, &params, 12, &m, &d), TRAVEL_OK, "Berlin-Munich estimate");
	is_int(m, 1313, "Berlin-Munich at noon: 1313 minutes");
	is_double(d, 504639.5643100503, 0.001, "and its distance");
	is_int(travel_estimate(&munich, &berlin, &params, 8, &m, NULL), TRAVEL_OK, "distance output is optional");
	is_int(m, 1969, "Munich-Berlin at 08: 1969 minutes");
	is_int(travel_estimate(&berlin, &berlin, &params, 8, &m, &d), TRAVEL_OK, "same point estimate");
	is_int(m, 0, "same point: 0 minutes");
	is_double(d, 0.0, 0.0, "same point: 0 metres");
	m = -1;
	d = -1;
	is_int(travel_estimate(&bad, &munich, &params, 8, &m, &d), TRAVEL_ERR_LATITUDE, "bad origin");
	is_int(travel_estimate(&berlin, &bad, &params, 8, &m, &d), TRAVEL_ERR_LATITUDE, "bad destination");
	is_int(travel_estimate(&berlin, &munich, &p, 8, &m, &d), TRAVEL_ERR_SPEED, "bad params");
	is_int(travel_estimate(&berlin, &munich, &params, 24, &m, &d), TRAVEL_ERR_HOUR, "bad hour");
	is_int(travel_estimate(&berlin, NULL, &params, 8, &m, &d), TRAVEL_ERR_NULL_ARGUMENT, "NULL destination");
	ok(m == -1 && d == -1, "outputs untouched on error");
}

static int
cached(const TravelCacheEntry *e, int hour, bool peak)
{
	int			m = -1;

	if (travel_cache_minutes(e, hour, peak, &m) != TRAVEL_OK)
		return -2;
	return m;
}

static void
test_cache(void)
{
	double		factors[TRAVEL_HOURS];
	TravelCacheEntry base = {20.0, 15000.0, 1.25, 1.5, NULL};
	TravelCacheEntry e;
	int			h;
	int			idx;
	int			m;

	for (h = 0; h < TRAVEL_HOURS; h++)
		factors[h] = 1.0;
	factors[8] = 1.2;
	factors[3] = 0.0;

	idx = 99;
	is_int(travel_cache_validate(&base, &idx), TRAVEL_OK, "a valid entry");
	is_int(idx, -1, "bad_index -1 when valid");
	is_int(cached(&base, 10, false), 25, "20 min * traffic 1.25 = 25");
	is_int(cached(&base, 10, true), 38, "in a peak window * 1.5 = 37.5, rounds up to 38");
	e = base;
	e.hour_factors = factors;
	is_int(cached(&e, 8, true), 45, "at 08 * 1.2: 45 exactly");
	is_int(cached(&e, 8, false), 30, "at 08 off peak: 30");
	is_int(cached(&e, 10, true), 38, "factor 1.0 at 10: as without factors");
	is_int(cached(&e, 3, true), 0, "factor 0 at 03: 0 minutes");

	e = base;
	e.base_minutes = 50.0;
	e.traffic_multiplier = 1.1;
	is_int(cached(&e, 0, false), 55, "50 * 1.1 = 55, not 56");
	e.base_minutes = 180.0;
	e.traffic_multiplier = 1.35;
	is_int(cached(&e, 0, false), 243, "180 * 1.35 = 243, not 244");
	e.base_minutes = 0.0;
	is_int(cached(&e, 0, true), 0, "base 0: 0 minutes");
	e.base_minutes = TRAVEL_MAX_MINUTES;
	e.traffic_multiplier = 10.0;
	e.peak_multiplier = 10.0;
	for (h = 0; h < TRAVEL_HOURS; h++)
		factors[h] = 10.0;
	e.hour_factors = factors;
	is_int(travel_cache_validate(&e, NULL), TRAVEL_OK, "every bound at its maximum is valid");
	is_int(cached(&e, 0, true), TRAVEL_MAX_MINUTES, "1e8 minutes are capped");

	for (h = 0; h < TRAVEL_HOURS; h++)
		factors[h] = 1.0;
	e = base;
	e.base_minutes = -1.0;
	is_int(travel_cache_validate(&e, &idx), TRAVEL_ERR_MINUTES, "negative base minutes");
	is_int(idx, -1, "bad_index -1 for a scalar field");
	e.base_minutes = NAN;
	is_int(travel_cache_validate(&e, NULL), TRAVEL_ERR_MINUTES, "NaN base minutes");
	e.base_minutes = TRAVEL_MAX_MINUTES + 0.5;
	is_int(travel_cache_validate(&e, NULL), TRAVEL_ERR_MINUTES, "base minutes above the cap");
	e = base;
	e.distance_m = -0.5;
	is_int(travel_cache_validate(&e, NULL), TRAVEL_ERR_DISTANCE, "negative distance");
	e.distance_m = INFINITY;
	is_int(travel_cache_validate(&e, NULL), TRAVEL_ERR_DISTANCE, "infinite distance");
	e = base;
	e.traffic_multiplier = 0.0;
	is_int(travel_cache_validate(&e, NULL), TRAVEL_ERR_TRAFFIC_MULTIPLIER, "traffic multiplier 0");
	e.traffic_multiplier = 10.01;
	is_int(travel_cache_validate(&e, NULL), TRAVEL_ERR_TRAFFIC_MULTIPLIER, "traffic multiplier 10.01");
	e.traffic_multiplier = NAN;
	is_int(travel_cache_validate(&e, NULL), TRAVEL_ERR_TRAFFIC_MULTIPLIER, "NaN traffic multiplier");
	e = base;
	e.peak_multiplier = -1.0;
	is_int(travel_cache_validate(&e, NULL), TRAVEL_ERR_PEAK_MULTIPLIER, "negative peak multiplier");
	e.peak_multiplier = INFINITY;
	is_int(travel_cache_validate(&e, NULL), TRAVEL_ERR_PEAK_MULTIPLIER, "infinite peak multiplier");
	m = -1;
	is_int(travel_cache_minutes(&e, 10, false, &m), TRAVEL_ERR_PEAK_MULTIPLIER,
		   "a bad peak multiplier is an error even off peak");
	e = base;
	e.hour_factors = factors;
	factors[5] = -0.1;
	is_int(travel_cache_validate(&e, &idx), TRAVEL_ERR_HOUR_FACTOR, "negative factor");
	is_int(idx, 5, "bad_index names hour 5");
	factors[5] = 1.0;
	factors[23] = NAN;
	is_int(travel_cache_validate(&e, &idx), TRAVEL_ERR_HOUR_FACTOR, "NaN factor");
	is_int(idx, 23, "bad_index names hour 23");
	factors[23] = 10.5;
	is_int(travel_cache_validate(&e, &idx), TRAVEL_ERR_HOUR_FACTOR, "factor 10.5");
	is_int(travel_cache_minutes(&e, 0, false, &m), TRAVEL_ERR_HOUR_FACTOR,
		   "a bad factor at another hour is still an error");
	factors[23] = 1.0;

	e = base;
	e.base_minutes = -1;
	e.distance_m = -1;
	is_int(travel_cache_validate(&e, NULL), TRAVEL_ERR_MINUTES, "fields are checked in order");
	is_int(travel_cache_minutes(&e, 24, false, &m), TRAVEL_ERR_MINUTES, "entry before hour");
	is_int(travel_cache_minutes(&base, 24, false, &m), TRAVEL_ERR_HOUR, "hour 24");
	is_int(travel_cache_minutes(&base, -1, false, &m), TRAVEL_ERR_HOUR, "hour -1");
	is_int(travel_cache_minutes(NULL, 0, false, &m), TRAVEL_ERR_NULL_ARGUMENT, "NULL entry");
	is_int(travel_cache_minutes(&base, 0, false, NULL), TRAVEL_ERR_NULL_ARGUMENT, "NULL output");
	is_int(travel_cache_validate(NULL, &idx), TRAVEL_ERR_NULL_ARGUMENT, "NULL entry to validate");
	is_int(m, -1, "output untouched on error");
}

static int
inside(const TravelWindow *w, int n, int minute)
{
	bool		in = false;

	if (travel_in_windows(w, n, minute, &in) != TRAVEL_OK)
		return -2;
	return in ? 1 : 0;
}

static void
test_windows(void)
{
	TravelWindow rush[] = {{420, 540}, {960, 1080}};	/* 07-09, 16-18 */
	TravelWindow night[] = {{1320, 120}};	/* 22:00-02:00 */
	TravelWindow day[] = {{0, 1440}};
	TravelWindow from_midnight[] = {{1440, 60}};
	TravelWindow after_one[] = {{60, 0}};
	TravelWindow bad[] = {{0, 60}, {100, 100}};
	TravelWindow w[1];
	int			idx;
	bool		in = true;

	is_int(travel_windows_validate(rush, 2, &idx), TRAVEL_OK, "rush hours are valid");
	is_int(idx, -1, "bad_index -1 when valid");
	is_int(inside(rush, 2, 419), 0, "06:59 is before the morning rush");
	is_int(inside(rush, 2, 420), 1, "07:00 starts it (inclusive)");
	is_int(inside(rush, 2, 539), 1, "08:59 is in it");
	is_int(inside(rush, 2, 540), 0, "09:00 ends it (exclusive)");
	is_int(inside(rush, 2, 1000), 1, "16:40 is in the evening rush");
	is_int(inside(rush, 2, 1080), 0, "18:00 is not");
	is_int(inside(rush, 1, 1000), 0, "only the first nwindows count");

	is_int(inside(night, 1, 1319), 0, "21:59 is before 22:00-02:00");
	is_int(inside(night, 1, 1320), 1, "22:00 is in it");
	is_int(inside(night, 1, 1439), 1, "23:59 is in it");
	is_int(inside(night, 1, 0), 1, "00:00 is in it");
	is_int(inside(night, 1, 119), 1, "01:59 is in it");
	is_int(inside(night, 1, 120), 0, "02:00 is not");
	is_int(inside(night, 1, 720), 0, "noon is not");

	is_int(inside(day, 1, 0), 1, "0-1440 contains 00:00");
	is_int(inside(day, 1, 1439), 1, "0-1440 contains 23:59");
	is_int(inside(from_midnight, 1, 0), 1, "1440-60 contains 00:00");
	is_int(inside(from_midnight, 1, 59), 1, "1440-60 contains 00:59");
	is_int(inside(from_midnight, 1, 60), 0, "1440-60 does not contain 01:00");
	is_int(inside(from_midnight, 1, 1439), 0, "1440-60 does not contain 23:59");
	is_int(inside(after_one, 1, 0), 0, "60-0 does not contain 00:00");
	is_int(inside(after_one, 1, 60), 1, "60-0 contains 01:00");
	is_int(inside(after_one, 1, 1439), 1, "60-0 contains 23:59");
	is_int(inside(NULL, 0, 600), 0, "no windows: never peak");

	w[0].start_minute = -1;
	w[0].end_minute = 10;
	is_int(travel_windows_validate(w, 1, &idx), TRAVEL_ERR_WINDOW_BOUND, "start -1");
	is_int(idx, 0, "bad_index names window 0");
	w[0].start_minute = 10;
	w[0].end_minute = 1441;
	is_int(travel_windows_validate(w, 1, NULL), TRAVEL_ERR_WINDOW_BOUND, "end 1441");
	w[0].start_minute = 1441;
	w[0].end_minute = 10;
	is_int(travel_windows_validate(w, 1, NULL), TRAVEL_ERR_WINDOW_BOUND, "start 1441");
	w[0].start_minute = 10;
	w[0].end_minute = -5;
	is_int(travel_windows_validate(w, 1, NULL), TRAVEL_ERR_WINDOW_BOUND, "end -5");
	is_int(travel_windows_validate(bad, 2, &idx), TRAVEL_ERR_WINDOW_EMPTY, "start == end");
	is_int(idx, 1, "bad_index names window 1");
	w[0].start_minute = 1440;
	w[0].end_minute = 0;
	is_int(travel_windows_validate(w, 1, NULL), TRAVEL_ERR_WINDOW_EMPTY, "1440-0 is empty");
	w[0].start_minute = 0;
	w[0].end_minute = 0;
	is_int(travel_windows_validate(w, 1, NULL), TRAVEL_ERR_WINDOW_EMPTY, "0-0 is empty");
	is_int(travel_windows_validate(rush, -1, &idx), TRAVEL_ERR_WINDOW_COUNT, "negative count");
	is_int(idx, -1, "bad_index -1 for a bad count");
	is_int(travel_windows_validate(NULL, 2, NULL), TRAVEL_ERR_NULL_ARGUMENT, "NULL windows");
	is_int(travel_windows_validate(NULL, 0, NULL), TRAVEL_OK, "no windows is valid");

	is_int(travel_in_windows(rush, 2, -1, &in), TRAVEL_ERR_MINUTE_OF_DAY, "minute -1");
	is_int(travel_in_windows(rush, 2, 1440, &in), TRAVEL_ERR_MINUTE_OF_DAY, "minute 1440");
	is_int(travel_in_windows(bad, 2, 1440, &in), TRAVEL_ERR_WINDOW_EMPTY, "windows are checked first");
	is_int(travel_in_windows(bad, 1, 30, &in), TRAVEL_OK, "only the first nwindows are checked");
	is_int(travel_in_windows(rush, 2, 600, NULL), TRAVEL_ERR_NULL_ARGUMENT, "NULL output");
	in = true;
	is_int(travel_in_windows(rush, -3, 600, &in), TRAVEL_ERR_WINDOW_COUNT, "negative count");
	ok(in, "output untouched on error");
}

int
main(void)
{
	test_error_messages();
	test_point_validate();
	test_distance();
	test_geohash();
	test_params();
	test_round_minutes();
	test_estimate();
	test_cache();
	test_windows();
	return done_testing();
}
