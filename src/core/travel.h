/*-------------------------------------------------------------------------
 *
 * src/core/travel.h
 *		Pure C core of the travel-time lookup: point validation, great-circle
 *		distance, geohash cache keys, the fallback estimate, cached times with
 *		their traffic, peak and time-of-day factors and peak windows, used by
 *		the travel-time lookups and the availability solver.
 *
 * This file includes no PostgreSQL header, allocates nothing and keeps no
 * state, so it can be unit-tested and fuzzed without a server and called
 * once per appointment gap.  Every function checks the values it is given
 * and returns a TravelError instead of asserting; the SQL glue maps each code
 * to an SQLSTATE (travel_error_message() gives the lowercase errmsg text).
 * Arguments are checked in order and the first problem is returned; on
 * error no output argument is written.  A struct argument is checked whole
 * on every call (a bad speed at 03:00 fails a 14:00 estimate too), which
 * costs a few dozen comparisons.
 *
 * Points are WGS 84 degrees: latitude in [-90, 90], longitude in [-180, 180].
 * "Local hour" (0..23) and "minute of day" (0..1439) are wall-clock values in
 * the org's time zone, computed by the caller from the departure timestamptz.
 *
 * THE FORMULAS (as documented in the README)
 *
 *	 Great-circle distance (haversine on a sphere):
 *
 *	   a = sin^2((lat2 - lat1) / 2)
 *	       + cos(lat1) * cos(lat2) * sin^2((lon2 - lon1) / 2)
 *	   distance_m = 2 * R * asin(sqrt(a)),   R = 6371008.8 m
 *
 *	 R is the IUGG mean Earth radius.  Against the WGS 84 ellipsoid (Vincenty)
 *	 the spherical distance is off by at most about 0.56% (short north-south
 *	 legs near the equator), typically well under 0.3%; Berlin to Munich is
 *	 0.05% short.  The detour factor dwarfs this error.
 *
 *	 Estimate, used when no valid cache entry exists:
 *
 *	   minutes = 0                                      if distance_m = 0
 *	                                   (the same point, or one pole twice)
 *	   minutes = least(100000, greatest(minimum_minutes,
 *	                   round_up(distance_m * detour_factor
 *	                            / (speed_kmh[local_hour] * 1000 / 60))))
 *	                                                    otherwise
 *
 *	 Cached time, used while a cache entry is valid:
 *
 *	   minutes = least(100000,
 *	                   round_up(base_minutes * traffic_multiplier
 *	                            * (in_peak_window ? peak_multiplier : 1)
 *	                            * hour_factor[local_hour]))
 *
 *	   hour_factor is 1 at every hour when the entry has none.  No minimum
 *	   applies: the cached base time is already a driving time.
 *
 *	 round_up(x) = ceil(x - 0.000001): a product that lies within one
 *	 millionth of a minute (60 microseconds) above a whole minute counts as
 *	 that whole minute, so that floating-point noise (12.000000001 for an
 *	 exact 12) never adds a minute; anything larger rounds up.
 *
 * Defaults (travel_params_default): detour factor 1.3, minimum 5 minutes,
 * and a city speed profile in km/h by local hour of departure:
 *
 *	   hour   00-05  06  07-08  09-15  16-17  18  19-21  22-23
 *	   km/h      40  35     20     30     20  30     35     40
 *
 * i.e. rush hours 07:00-09:00 and 16:00-18:00 at 20 km/h.
 *
 * GEOHASH CACHE KEYS
 *
 * travel_geohash() writes the standard geohash (base 32 alphabet
 * "0123456789bcdefghjkmnpqrstuvwxyz", longitude bit first).  Cells are
 * half-open, [south, north) x [west, east), so a point on a cell edge
 * belongs to the cell to its north and east, as in current PostGIS
 * ST_GeoHash (older PostGIS releases compared with > and put such points
 * to the south and west; only exact edge points differ).  Latitude 90
 * and longitude 180 fall in the northernmost and easternmost cells.
 * Longitudes -180 and 180 are the same meridian but hash to opposite ends
 * of the alphabet.  Cell size by precision (degrees, and metres on the
 * sphere above at the equator; the east-west width shrinks with
 * cos(latitude), e.g. by 0.61 at Berlin):
 *
 *	   precision  degrees lon x lat        metres (equator)
 *	       1      45        x 45           5003.8 km x 5003.8 km
 *	       2      11.25     x 5.625        1250.9 km x 625.5 km
 *	       3      1.40625   x 1.40625       156.4 km x 156.4 km
 *	       4      0.3515625 x 0.17578125     39.1 km x 19.5 km
 *	       5      0.0439    x 0.0439          4.9 km x 4.9 km
 *	       6      0.0110    x 0.00549        1221.6 m x 610.8 m
 *	       7      0.00137   x 0.00137         152.7 m x 152.7 m
 *	       8      3.43e-4   x 1.72e-4          38.2 m x 19.1 m
 *	       9      4.29e-5   x 4.29e-5           4.8 m x 4.8 m
 *	      10      1.07e-5   x 5.36e-6           1.2 m x 0.60 m
 *	      11      1.34e-6   x 1.34e-6          14.9 cm x 14.9 cm
 *	      12      3.35e-7   x 1.68e-7           3.7 cm x 1.9 cm
 *
 * Two points in one cell share its hash; two points a centimetre apart
 * across a cell edge do not, whatever the precision.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BOOKING_TRAVEL_H
#define BOOKING_TRAVEL_H

#include <stdbool.h>
#include <stddef.h>

/* Mean Earth radius (IUGG R1) in metres, used for every distance. */
#define TRAVEL_EARTH_RADIUS_M		6371008.8

/* Hours in a speed profile or time-of-day factor array. */
#define TRAVEL_HOURS				24

/* Minutes in a day; window bounds are 0..TRAVEL_MINUTES_PER_DAY. */
#define TRAVEL_MINUTES_PER_DAY		1440

/* Every result in minutes is capped here, so it always fits an int. */
#define TRAVEL_MAX_MINUTES			100000

/* Largest distance accepted (100 000 km, 2.5 times round the Earth). */
#define TRAVEL_MAX_DISTANCE_M		100000000.0

/* Tolerance of round_up(): see the header comment. */
#define TRAVEL_ROUNDING_TOLERANCE	0.000001

/* Geohash precision bounds, and a buffer size that fits any geohash. */
#define TRAVEL_GEOHASH_MIN_PRECISION	1
#define TRAVEL_GEOHASH_MAX_PRECISION	12
#define TRAVEL_GEOHASH_BUFSIZE		(TRAVEL_GEOHASH_MAX_PRECISION + 1)

/* Bounds of the estimate parameters. */
#define TRAVEL_MIN_DETOUR_FACTOR	1.0
#define TRAVEL_MAX_DETOUR_FACTOR	5.0
#define TRAVEL_MAX_SPEED_KMH		300.0
#define TRAVEL_MAX_MIN_MINUTES		1440

/* Upper bound of the traffic, peak and time-of-day factors of a cache entry. */
#define TRAVEL_MAX_FACTOR			10.0

/* Largest number of points of booking.travel_matrix() (a 1000 x 1000 matrix). */
#define TRAVEL_MATRIX_MAX_POINTS	1000

/* Defaults filled in by travel_params_default(). */
#define TRAVEL_DEFAULT_DETOUR_FACTOR	1.3
#define TRAVEL_DEFAULT_MIN_MINUTES		5

/*
 * Result of every checking function.  TRAVEL_OK is zero; every other code
 * names exactly one kind of bad input, so the glue can give each its own
 * SQLSTATE and errdetail.
 */
typedef enum TravelError
{
	TRAVEL_OK = 0,
	TRAVEL_ERR_NULL_ARGUMENT,	/* a required pointer is NULL */
	TRAVEL_ERR_NOT_FINITE,		/* a coordinate is NaN or infinite */
	TRAVEL_ERR_LATITUDE,		/* latitude outside [-90, 90] */
	TRAVEL_ERR_LONGITUDE,		/* longitude outside [-180, 180] */
	TRAVEL_ERR_PRECISION,		/* geohash precision outside 1..12 */
	TRAVEL_ERR_BUFFER,			/* geohash buffer shorter than precision + 1 */
	TRAVEL_ERR_HOUR,			/* local hour outside 0..23 */
	TRAVEL_ERR_MINUTE_OF_DAY,	/* minute of day outside 0..1439 */
	TRAVEL_ERR_DETOUR_FACTOR,	/* detour factor not finite or outside [1, 5] */
	TRAVEL_ERR_SPEED,			/* a speed not finite or outside (0, 300] */
	TRAVEL_ERR_MIN_MINUTES,		/* minimum minutes outside 0..1440 */
	TRAVEL_ERR_DISTANCE,		/* distance not finite or outside [0, 1e8] */
	TRAVEL_ERR_MINUTES,			/* minutes not finite or negative; cached
								 * base minutes also above 100000 */
	TRAVEL_ERR_TRAFFIC_MULTIPLIER,	/* not finite or outside (0, 10] */
	TRAVEL_ERR_PEAK_MULTIPLIER, /* not finite or outside (0, 10] */
	TRAVEL_ERR_HOUR_FACTOR,		/* a time-of-day factor outside [0, 10] */
	TRAVEL_ERR_WINDOW_COUNT,	/* negative number of windows */
	TRAVEL_ERR_WINDOW_BOUND,	/* a window bound outside 0..1440 */
	TRAVEL_ERR_WINDOW_EMPTY,	/* a window that contains no minute */
	TRAVEL_ERR_POINT_COUNT		/* number of points outside 0..1000 */
} TravelError;

/* Number of TravelError codes, TRAVEL_OK included. */
#define TRAVEL_ERROR_COUNT			((int) TRAVEL_ERR_POINT_COUNT + 1)

/* A point in WGS 84 degrees. */
typedef struct TravelPoint
{
	double		lat;			/* latitude, -90 (south) .. 90 (north) */
	double		lon;			/* longitude, -180 (west) .. 180 (east) */
} TravelPoint;

/* An org's estimate settings. */
typedef struct TravelParams
{
	double		detour_factor;	/* road distance / great-circle, [1, 5] */
	double		speed_kmh[TRAVEL_HOURS];	/* by local hour, (0, 300] */
	int			min_minutes;	/* floor for distinct points, 0..1440 */
} TravelParams;

/* One travel-time cache entry, as read from the cache table. */
typedef struct TravelCacheEntry
{
	double		base_minutes;	/* driving minutes, 0..100000 */
	double		distance_m;		/* road distance, 0..1e8 (checked only) */
	double		traffic_multiplier; /* (0, 10] */
	double		peak_multiplier;	/* (0, 10], applied in peak windows */
	const double *hour_factors; /* TRAVEL_HOURS values in [0, 10] by local
								 * hour, or NULL meaning all 1.0 */
} TravelCacheEntry;

/*
 * A peak window [start_minute, end_minute) in local minutes of the day.  A
 * window with start_minute > end_minute wraps midnight: {1320, 120} is
 * 22:00-02:00.  {0, 1440} is the whole day.
 */
typedef struct TravelWindow
{
	int			start_minute;	/* 0..1440 */
	int			end_minute;		/* 0..1440, != start_minute */
} TravelWindow;

/*
 * travel_error_message
 *		Lowercase errmsg text for a code, without a final period.  Never NULL;
 *		an unknown code gives "unknown travel error".
 */
extern const char *travel_error_message(TravelError error);

/*
 * travel_point_validate
 *		TRAVEL_OK if both coordinates are finite and in range; otherwise
 *		TRAVEL_ERR_NOT_FINITE, TRAVEL_ERR_LATITUDE or TRAVEL_ERR_LONGITUDE
 *		(checked in that order).
 */
extern TravelError travel_point_validate(const TravelPoint *point);

/*
 * travel_distance
 *		Great-circle distance in metres between two valid points, into
 *		*distance_m: finite, in [0, pi * R], exactly 0 for equal points and
 *		for two points on the same pole, and exactly symmetric.
 */
extern TravelError travel_distance(const TravelPoint *from,
								   const TravelPoint *to,
								   double *distance_m);

/*
 * travel_geohash
 *		Write the geohash of a valid point at precision 1..12 into buf as
 *		exactly precision characters plus a terminating NUL; bufsize must be
 *		at least precision + 1 (TRAVEL_GEOHASH_BUFSIZE always suffices).
 */
extern TravelError travel_geohash(const TravelPoint *point, int precision,
								  char *buf, size_t bufsize);

/*
 * travel_params_default
 *		Fill *params with the documented defaults (see the header comment).
 *		Does nothing if params is NULL.
 */
extern void travel_params_default(TravelParams *params);

/*
 * travel_params_validate
 *		Check every field of *params: TRAVEL_ERR_DETOUR_FACTOR,
 *		TRAVEL_ERR_SPEED (with *bad_index set to the hour) or
 *		TRAVEL_ERR_MIN_MINUTES, in that order.  bad_index may be NULL; if
 *		given it is always set, to -1 when no element is at fault.
 */
extern TravelError travel_params_validate(const TravelParams *params,
										  int *bad_index);

/*
 * travel_round_minutes
 *		round_up() of the header comment, capped at TRAVEL_MAX_MINUTES:
 *		whole minutes for a finite, non-negative raw number of minutes (for
 *		example a routing cost).  TRAVEL_ERR_MINUTES for NaN, infinite or
 *		negative input.
 */
extern TravelError travel_round_minutes(double raw_minutes, int *minutes);

/*
 * travel_estimate_minutes
 *		The estimate for a known great-circle distance (0..1e8 m) at a local
 *		hour, with *params checked as by travel_params_validate.  Distance 0
 *		gives 0; any other distance gives at least params->min_minutes.
 */
extern TravelError travel_estimate_minutes(double distance_m,
										   const TravelParams *params,
										   int local_hour, int *minutes);

/*
 * travel_estimate
 *		travel_distance() followed by travel_estimate_minutes().  distance_m
 *		may be NULL; if given it receives the great-circle distance.
 */
extern TravelError travel_estimate(const TravelPoint *from,
								   const TravelPoint *to,
								   const TravelParams *params,
								   int local_hour,
								   int *minutes, double *distance_m);

/*
 * travel_cache_validate
 *		Check every field of a cache entry, in struct order:
 *		TRAVEL_ERR_MINUTES (base), TRAVEL_ERR_DISTANCE,
 *		TRAVEL_ERR_TRAFFIC_MULTIPLIER, TRAVEL_ERR_PEAK_MULTIPLIER or
 *		TRAVEL_ERR_HOUR_FACTOR (with *bad_index set to the hour).  The
 *		length of the factor array is the caller's to check.  bad_index is
 *		as for travel_params_validate.
 */
extern TravelError travel_cache_validate(const TravelCacheEntry *entry,
										 int *bad_index);

/*
 * travel_cache_minutes
 *		The cached time of a valid entry for a departure at local_hour, in a
 *		peak window or not (see travel_in_windows).
 */
extern TravelError travel_cache_minutes(const TravelCacheEntry *entry,
										int local_hour, bool in_peak,
										int *minutes);

/*
 * travel_windows_validate
 *		Check nwindows (>= 0; windows may be NULL only when it is 0) and each
 *		window: TRAVEL_ERR_WINDOW_BOUND if a bound is outside 0..1440,
 *		TRAVEL_ERR_WINDOW_EMPTY if it contains no minute (start == end, or
 *		{1440, 0}).  *bad_index as for travel_params_validate.
 */
extern TravelError travel_windows_validate(const TravelWindow *windows,
										   int nwindows, int *bad_index);

/*
 * travel_in_windows
 *		Set *inside to whether minute_of_day (0..1439) lies in any of the
 *		valid windows.  No windows: false.
 */
extern TravelError travel_in_windows(const TravelWindow *windows,
									 int nwindows, int minute_of_day,
									 bool *inside);

#endif							/* BOOKING_TRAVEL_H */
