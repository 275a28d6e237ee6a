/*
 * src/travel_time.h
 *		Declarations shared by the SQL glue of travel times: points from
 *		geography values (src/geography.c), an org's travel settings
 *		(src/travel_org.c), the cache table (src/travel_cache.c), and legs
 *		and lookups (src/travel_time.c).
 *
 * The rules are in src/core/travel.c, which includes no PostgreSQL header.
 */
#ifndef BOOKING_TRAVEL_TIME_H
#define BOOKING_TRAVEL_TIME_H

#include "pgtime.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "core/travel.h"

/* geohash precision when an org has no booking.travel_setting row */
#define BOOKING_TRAVEL_DEFAULT_PRECISION 7

/* An org's travel settings and time zone, as the travel functions use them. */
typedef struct TravelOrg
{
	pg_uuid_t	org;
	pg_tz	   *tz;
	int			precision;		/* geohash precision of cache keys */
	TravelParams params;		/* estimate: detour, speeds, minimum */
	int			nwindows;		/* peak windows, local minutes [start, end) */
	TravelWindow *windows;
} TravelOrg;

typedef enum TravelSource
{
	TRAVEL_SOURCE_SAME_POINT,
	TRAVEL_SOURCE_CACHE,
	TRAVEL_SOURCE_ESTIMATE
} TravelSource;

/* One travel time: minutes, metres and where they come from. */
typedef struct TravelLeg
{
	int			minutes;
	int			distance_meters;
	TravelSource source;
	char		reliability[8]; /* of a cache entry: high, medium, low */
} TravelLeg;

/* geography.c */
extern void booking_point_from_geography(Datum geog, const char *what, TravelPoint *out);

/* travel_org.c */
extern void booking_travel_org_load(const pg_uuid_t *org, MemoryContext cxt, TravelOrg **result);

/*
 * An org's travel settings as columns of another query that joins
 * booking.travel_setting to booking.org o with BOOKING_TRAVEL_ORG_JOIN:
 * pass its BOOKING_TRAVEL_ORG_NCOLUMNS columns, in this order, to
 * booking_travel_org_from_columns().
 */
#define BOOKING_TRAVEL_ORG_COLUMNS \
	"ts.geohash_precision, ts.detour_factor, ts.speed_kmh, ts.min_minutes," \
	" ARRAY(SELECT (pg_catalog.extract('epoch', pg_catalog.lower(r)) OPERATOR(pg_catalog./) 60)::pg_catalog.int4" \
	"         FROM pg_catalog.unnest(ts.peak_windows) AS r)," \
	" ARRAY(SELECT (pg_catalog.extract('epoch', pg_catalog.upper(r)) OPERATOR(pg_catalog./) 60)::pg_catalog.int4" \
	"         FROM pg_catalog.unnest(ts.peak_windows) AS r)," \
	" ts.org_id IS NOT NULL"
#define BOOKING_TRAVEL_ORG_JOIN \
	" LEFT JOIN booking.travel_setting ts ON ts.org_id OPERATOR(pg_catalog.=) o.id"
#define BOOKING_TRAVEL_ORG_NCOLUMNS 7

extern void booking_travel_org_from_columns(const pg_uuid_t *org, pg_tz *tz, const Datum *values,
											const bool *isnull, MemoryContext cxt, TravelOrg **result);

/* travel_cache.c */

/* A cache entry as read from a row. */
typedef struct TravelCacheRow
{
	char		to_hash[TRAVEL_GEOHASH_BUFSIZE];
	TravelCacheEntry entry;
	double		factors[TRAVEL_HOURS];
	bool		has_factors;	/* entry.hour_factors is set on use, since
								 * rows are copied */
	int			distance_meters;
	char		reliability[8];
} TravelCacheRow;

extern int	booking_travel_cell_cmp(const void *a, const void *b);
extern void booking_travel_cache_scan(const pg_uuid_t *org, const char *from_hash,
									  const char *const *to_hashes, int nto_hashes,
									  void (*found) (const TravelCacheRow *row, void *arg), void *arg);
extern bool booking_travel_cache_find(const TravelOrg *t, const TravelPoint *from, const TravelPoint *to,
									  TravelCacheRow *row);

/* One scan of the cache kept open for many pairs of cells. */
typedef struct TravelCacheScan TravelCacheScan;

extern TravelCacheScan *booking_travel_cache_open(void);
extern bool booking_travel_cache_pair(TravelCacheScan *s, const pg_uuid_t *org, const char *from_hash,
									  const char *to_hash, TravelCacheRow *row);
extern void booking_travel_cache_close(TravelCacheScan *s);

/* travel_time.c */
extern void booking_travel_error(TravelError err, const char *what, int index);

/* Many legs of one call: each pair of cells is looked up once. */
typedef struct TravelLookup TravelLookup;

extern TravelLookup *booking_travel_lookup_create(const TravelOrg *t, MemoryContext cxt);
extern void booking_travel_lookup_leg(TravelLookup *l, const TravelPoint *from, const TravelPoint *to,
									  TimestampTz depart_at, TravelLeg *leg);
extern void booking_travel_lookup_end(TravelLookup *l);

#endif							/* BOOKING_TRAVEL_TIME_H */
