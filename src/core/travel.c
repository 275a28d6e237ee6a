/*-------------------------------------------------------------------------
 *
 * src/core/travel.c
 *		Travel-time arithmetic without PostgreSQL: point checks, haversine
 *		distance, geohash, the estimate, cached times and peak windows.
 *		The formulas and bounds are documented in travel.h; this file only
 *		implements them.
 *
 * Every public function checks its arguments in argument order and returns
 * the first problem found, writing no output in that case.  The static
 * helpers below the checks assume checked input.  (The SQL glue applies
 * one rule path per pair of points, booking.travel_matrix() included, so
 * there is no all-pairs function here.)
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "travel.h"

#define TRAVEL_PI			3.14159265358979323846
#define TRAVEL_RAD_PER_DEG	(TRAVEL_PI / 180.0)

/* Geohash alphabet: the digits and the lowercase letters but a, i, l, o. */
static const char travel_base32[] = "0123456789bcdefghjkmnpqrstuvwxyz";

/* Default speed profile, km/h by local hour of departure; see travel.h. */
static const double travel_default_speed_kmh[TRAVEL_HOURS] = {
	40.0, 40.0, 40.0, 40.0, 40.0, 40.0,		/* 00-05: night */
	35.0,									/* 06 */
	20.0, 20.0,								/* 07-08: morning rush */
	30.0, 30.0, 30.0, 30.0, 30.0, 30.0, 30.0,	/* 09-15: day */
	20.0, 20.0,								/* 16-17: evening rush */
	30.0,									/* 18 */
	35.0, 35.0, 35.0,						/* 19-21 */
	40.0, 40.0								/* 22-23 */
};

const char *
travel_error_message(TravelError error)
{
	switch (error)
	{
		case TRAVEL_OK:
			return "no error";
		case TRAVEL_ERR_NULL_ARGUMENT:
			return "required argument is missing";
		case TRAVEL_ERR_NOT_FINITE:
			return "coordinate is not a finite number";
		case TRAVEL_ERR_LATITUDE:
			return "latitude is out of range";
		case TRAVEL_ERR_LONGITUDE:
			return "longitude is out of range";
		case TRAVEL_ERR_PRECISION:
			return "geohash precision is out of range";
		case TRAVEL_ERR_BUFFER:
			return "geohash buffer is too small";
		case TRAVEL_ERR_HOUR:
			return "local hour is out of range";
		case TRAVEL_ERR_MINUTE_OF_DAY:
			return "minute of day is out of range";
		case TRAVEL_ERR_DETOUR_FACTOR:
			return "detour factor is out of range";
		case TRAVEL_ERR_SPEED:
			return "speed is out of range";
		case TRAVEL_ERR_MIN_MINUTES:
			return "minimum travel minutes is out of range";
		case TRAVEL_ERR_DISTANCE:
			return "distance is out of range";
		case TRAVEL_ERR_MINUTES:
			return "travel minutes is out of range";
		case TRAVEL_ERR_TRAFFIC_MULTIPLIER:
			return "traffic multiplier is out of range";
		case TRAVEL_ERR_PEAK_MULTIPLIER:
			return "peak-hour multiplier is out of range";
		case TRAVEL_ERR_HOUR_FACTOR:
			return "time-of-day factor is out of range";
		case TRAVEL_ERR_WINDOW_COUNT:
			return "number of peak windows is negative";
		case TRAVEL_ERR_WINDOW_BOUND:
			return "peak window bound is out of range";
		case TRAVEL_ERR_WINDOW_EMPTY:
			return "peak window is empty";
		case TRAVEL_ERR_POINT_COUNT:
			return "number of points is out of range";
	}
	return "unknown travel error";
}

/*
 * Checks.  Each comparison is written so that NaN fails it: !(lo <= x && x
 * <= hi) is true for NaN, for infinities and for everything out of range.
 */

static inline TravelError
check_point(const TravelPoint *point)
{
	if (!isfinite(point->lat) || !isfinite(point->lon))
		return TRAVEL_ERR_NOT_FINITE;
	if (!(point->lat >= -90.0 && point->lat <= 90.0))
		return TRAVEL_ERR_LATITUDE;
	if (!(point->lon >= -180.0 && point->lon <= 180.0))
		return TRAVEL_ERR_LONGITUDE;
	return TRAVEL_OK;
}

static inline TravelError
check_hour(int local_hour)
{
	if (local_hour < 0 || local_hour >= TRAVEL_HOURS)
		return TRAVEL_ERR_HOUR;
	return TRAVEL_OK;
}

static inline TravelError
check_distance(double distance_m)
{
	if (!(distance_m >= 0.0 && distance_m <= TRAVEL_MAX_DISTANCE_M))
		return TRAVEL_ERR_DISTANCE;
	return TRAVEL_OK;
}

static inline void
set_index(int *bad_index, int value)
{
	if (bad_index != NULL)
		*bad_index = value;
}

static TravelError
check_params(const TravelParams *params, int *bad_index)
{
	int			h;

	if (!(params->detour_factor >= TRAVEL_MIN_DETOUR_FACTOR &&
		  params->detour_factor <= TRAVEL_MAX_DETOUR_FACTOR))
		return TRAVEL_ERR_DETOUR_FACTOR;
	for (h = 0; h < TRAVEL_HOURS; h++)
	{
		if (!(params->speed_kmh[h] > 0.0 &&
			  params->speed_kmh[h] <= TRAVEL_MAX_SPEED_KMH))
		{
			set_index(bad_index, h);
			return TRAVEL_ERR_SPEED;
		}
	}
	if (params->min_minutes < 0 || params->min_minutes > TRAVEL_MAX_MIN_MINUTES)
		return TRAVEL_ERR_MIN_MINUTES;
	return TRAVEL_OK;
}

static TravelError
check_cache_entry(const TravelCacheEntry *entry, int *bad_index)
{
	int			h;

	if (!(entry->base_minutes >= 0.0 &&
		  entry->base_minutes <= (double) TRAVEL_MAX_MINUTES))
		return TRAVEL_ERR_MINUTES;
	if (check_distance(entry->distance_m) != TRAVEL_OK)
		return TRAVEL_ERR_DISTANCE;
	if (!(entry->traffic_multiplier > 0.0 &&
		  entry->traffic_multiplier <= TRAVEL_MAX_FACTOR))
		return TRAVEL_ERR_TRAFFIC_MULTIPLIER;
	if (!(entry->peak_multiplier > 0.0 &&
		  entry->peak_multiplier <= TRAVEL_MAX_FACTOR))
		return TRAVEL_ERR_PEAK_MULTIPLIER;
	if (entry->hour_factors != NULL)
	{
		for (h = 0; h < TRAVEL_HOURS; h++)
		{
			if (!(entry->hour_factors[h] >= 0.0 &&
				  entry->hour_factors[h] <= TRAVEL_MAX_FACTOR))
			{
				set_index(bad_index, h);
				return TRAVEL_ERR_HOUR_FACTOR;
			}
		}
	}
	return TRAVEL_OK;
}

static TravelError
check_windows(const TravelWindow *windows, int nwindows, int *bad_index)
{
	int			i;

	if (nwindows < 0)
		return TRAVEL_ERR_WINDOW_COUNT;
	if (nwindows > 0 && windows == NULL)
		return TRAVEL_ERR_NULL_ARGUMENT;
	for (i = 0; i < nwindows; i++)
	{
		int			start = windows[i].start_minute;
		int			end = windows[i].end_minute;

		if (start < 0 || start > TRAVEL_MINUTES_PER_DAY ||
			end < 0 || end > TRAVEL_MINUTES_PER_DAY)
		{
			set_index(bad_index, i);
			return TRAVEL_ERR_WINDOW_BOUND;
		}
		/* {1440, 0} wraps from the end of the day to its start: nothing */
		if (start == end || (start == TRAVEL_MINUTES_PER_DAY && end == 0))
		{
			set_index(bad_index, i);
			return TRAVEL_ERR_WINDOW_EMPTY;
		}
	}
	return TRAVEL_OK;
}

/*
 * Arithmetic on checked input.
 */

/* cos of an angle in degrees, exactly 0 at the poles (cos(M_PI/2) is not). */
static inline double
cos_deg(double deg)
{
	if (deg == 90.0 || deg == -90.0)
		return 0.0;
	return cos(deg * TRAVEL_RAD_PER_DEG);
}

/*
 * Haversine distance in metres.  Taking absolute differences, folding the
 * longitude difference into [0, 180] and multiplying the cosines in a
 * commutative position makes the result exactly symmetric; clamping the
 * haversine to 1 keeps asin() defined for antipodes despite rounding.
 */
static double
haversine_m(const TravelPoint *from, const TravelPoint *to)
{
	double		dlat = fabs(to->lat - from->lat);
	double		dlon = fabs(to->lon - from->lon);
	double		sin_dlat;
	double		sin_dlon;
	double		h;

	if (dlon > 180.0)
		dlon = 360.0 - dlon;	/* exact: Sterbenz */
	sin_dlat = sin(dlat * (TRAVEL_RAD_PER_DEG / 2.0));
	sin_dlon = sin(dlon * (TRAVEL_RAD_PER_DEG / 2.0));
	h = sin_dlat * sin_dlat +
		cos_deg(from->lat) * cos_deg(to->lat) * sin_dlon * sin_dlon;
	if (h > 1.0)
		h = 1.0;
	return 2.0 * TRAVEL_EARTH_RADIUS_M * asin(sqrt(h));
}

/*
 * round_up() of travel.h, capped at TRAVEL_MAX_MINUTES.  raw is finite and
 * non-negative, or +Inf (a huge distance over a denormal speed), never NaN.
 */
static inline int
round_up_minutes(double raw)
{
	double		minutes = ceil(raw - TRAVEL_ROUNDING_TOLERANCE);

	if (minutes >= (double) TRAVEL_MAX_MINUTES)
		return TRAVEL_MAX_MINUTES;
	if (minutes <= 0.0)
		return 0;
	return (int) minutes;
}

static inline int
estimate_minutes(double distance_m, const TravelParams *params, int local_hour)
{
	double		raw;
	int			minutes;

	if (distance_m == 0.0)
		return 0;				/* same point: zero, not the minimum */
	/* metres / (km/h * 1000 / 60) = metres * 60 / (km/h * 1000) minutes */
	raw = distance_m * params->detour_factor * 60.0 /
		(params->speed_kmh[local_hour] * 1000.0);
	minutes = round_up_minutes(raw);
	if (minutes < params->min_minutes)
		minutes = params->min_minutes;
	return minutes;
}

/*
 * Public functions.
 */

TravelError
travel_point_validate(const TravelPoint *point)
{
	if (point == NULL)
		return TRAVEL_ERR_NULL_ARGUMENT;
	return check_point(point);
}

TravelError
travel_distance(const TravelPoint *from, const TravelPoint *to,
				double *distance_m)
{
	TravelError err;

	if (from == NULL || to == NULL || distance_m == NULL)
		return TRAVEL_ERR_NULL_ARGUMENT;
	if ((err = check_point(from)) != TRAVEL_OK)
		return err;
	if ((err = check_point(to)) != TRAVEL_OK)
		return err;
	*distance_m = haversine_m(from, to);
	return TRAVEL_OK;
}

/*
 * Bisect longitude and latitude alternately, longitude first, five bits per
 * character.  Every midpoint is a dyadic fraction of 180 or 360 with at most
 * 30 significant bits, so it is exact in a double and each comparison
 * decides the same side a perfect-precision implementation would.
 */
TravelError
travel_geohash(const TravelPoint *point, int precision, char *buf,
			   size_t bufsize)
{
	TravelError err;
	double		lat_lo = -90.0;
	double		lat_hi = 90.0;
	double		lon_lo = -180.0;
	double		lon_hi = 180.0;
	bool		lon_turn = true;
	int			i;

	if (point == NULL || buf == NULL)
		return TRAVEL_ERR_NULL_ARGUMENT;
	if ((err = check_point(point)) != TRAVEL_OK)
		return err;
	if (precision < TRAVEL_GEOHASH_MIN_PRECISION ||
		precision > TRAVEL_GEOHASH_MAX_PRECISION)
		return TRAVEL_ERR_PRECISION;
	if (bufsize < (size_t) precision + 1)
		return TRAVEL_ERR_BUFFER;

	for (i = 0; i < precision; i++)
	{
		int			index = 0;
		int			bit;

		for (bit = 0; bit < 5; bit++)
		{
			double		mid;

			index <<= 1;
			if (lon_turn)
			{
				mid = (lon_lo + lon_hi) / 2.0;
				if (point->lon >= mid)
				{
					index |= 1;
					lon_lo = mid;
				}
				else
					lon_hi = mid;
			}
			else
			{
				mid = (lat_lo + lat_hi) / 2.0;
				if (point->lat >= mid)
				{
					index |= 1;
					lat_lo = mid;
				}
				else
					lat_hi = mid;
			}
			lon_turn = !lon_turn;
		}
		buf[i] = travel_base32[index];
	}
	buf[precision] = '\0';
	return TRAVEL_OK;
}

void
travel_params_default(TravelParams *params)
{
	if (params == NULL)
		return;
	params->detour_factor = TRAVEL_DEFAULT_DETOUR_FACTOR;
	memcpy(params->speed_kmh, travel_default_speed_kmh,
		   sizeof(params->speed_kmh));
	params->min_minutes = TRAVEL_DEFAULT_MIN_MINUTES;
}

TravelError
travel_params_validate(const TravelParams *params, int *bad_index)
{
	set_index(bad_index, -1);
	if (params == NULL)
		return TRAVEL_ERR_NULL_ARGUMENT;
	return check_params(params, bad_index);
}

TravelError
travel_round_minutes(double raw_minutes, int *minutes)
{
	if (minutes == NULL)
		return TRAVEL_ERR_NULL_ARGUMENT;
	if (!(raw_minutes >= 0.0) || !isfinite(raw_minutes))
		return TRAVEL_ERR_MINUTES;
	*minutes = round_up_minutes(raw_minutes);
	return TRAVEL_OK;
}

TravelError
travel_estimate_minutes(double distance_m, const TravelParams *params,
						int local_hour, int *minutes)
{
	TravelError err;

	if (params == NULL || minutes == NULL)
		return TRAVEL_ERR_NULL_ARGUMENT;
	if ((err = check_distance(distance_m)) != TRAVEL_OK)
		return err;
	if ((err = check_params(params, NULL)) != TRAVEL_OK)
		return err;
	if ((err = check_hour(local_hour)) != TRAVEL_OK)
		return err;
	*minutes = estimate_minutes(distance_m, params, local_hour);
	return TRAVEL_OK;
}

TravelError
travel_estimate(const TravelPoint *from, const TravelPoint *to,
				const TravelParams *params, int local_hour,
				int *minutes, double *distance_m)
{
	TravelError err;
	double		distance;

	if (from == NULL || to == NULL || params == NULL || minutes == NULL)
		return TRAVEL_ERR_NULL_ARGUMENT;
	if ((err = check_point(from)) != TRAVEL_OK)
		return err;
	if ((err = check_point(to)) != TRAVEL_OK)
		return err;
	if ((err = check_params(params, NULL)) != TRAVEL_OK)
		return err;
	if ((err = check_hour(local_hour)) != TRAVEL_OK)
		return err;

	distance = haversine_m(from, to);
	*minutes = estimate_minutes(distance, params, local_hour);
	if (distance_m != NULL)
		*distance_m = distance;
	return TRAVEL_OK;
}

TravelError
travel_cache_validate(const TravelCacheEntry *entry, int *bad_index)
{
	set_index(bad_index, -1);
	if (entry == NULL)
		return TRAVEL_ERR_NULL_ARGUMENT;
	return check_cache_entry(entry, bad_index);
}

TravelError
travel_cache_minutes(const TravelCacheEntry *entry, int local_hour,
					 bool in_peak, int *minutes)
{
	TravelError err;
	double		raw;

	if (entry == NULL || minutes == NULL)
		return TRAVEL_ERR_NULL_ARGUMENT;
	if ((err = check_cache_entry(entry, NULL)) != TRAVEL_OK)
		return err;
	if ((err = check_hour(local_hour)) != TRAVEL_OK)
		return err;

	/* at most 1e5 * 10 * 10 * 10: finite */
	raw = entry->base_minutes * entry->traffic_multiplier;
	if (in_peak)
		raw *= entry->peak_multiplier;
	if (entry->hour_factors != NULL)
		raw *= entry->hour_factors[local_hour];
	*minutes = round_up_minutes(raw);
	return TRAVEL_OK;
}

TravelError
travel_windows_validate(const TravelWindow *windows, int nwindows,
						int *bad_index)
{
	set_index(bad_index, -1);
	return check_windows(windows, nwindows, bad_index);
}

TravelError
travel_in_windows(const TravelWindow *windows, int nwindows,
				  int minute_of_day, bool *inside)
{
	TravelError err;
	int			i;

	if (inside == NULL)
		return TRAVEL_ERR_NULL_ARGUMENT;
	if ((err = check_windows(windows, nwindows, NULL)) != TRAVEL_OK)
		return err;
	if (minute_of_day < 0 || minute_of_day >= TRAVEL_MINUTES_PER_DAY)
		return TRAVEL_ERR_MINUTE_OF_DAY;

	for (i = 0; i < nwindows; i++)
	{
		int			start = windows[i].start_minute;
		int			end = windows[i].end_minute;

		if (start < end ?
			(minute_of_day >= start && minute_of_day < end) :
			(minute_of_day >= start || minute_of_day < end))
		{
			*inside = true;
			return TRAVEL_OK;
		}
	}
	*inside = false;
	return TRAVEL_OK;
}
