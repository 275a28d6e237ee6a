/*
 * src/booking.h
 *		Declarations shared by the SQL-callable glue of the booking extension.
 *
 * The algorithms live in src/core/ and include no PostgreSQL header; the
 * files beside this one adapt them to PostgreSQL (argument checking, errors,
 * catalog and SPI access).
 */
#ifndef BOOKING_H
#define BOOKING_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

/* A uuid as a Datum (pointing to it, not copied), and as text. */
static inline Datum
booking_uuid_datum(const pg_uuid_t *u)
{
	return UUIDPGetDatum(unconstify(pg_uuid_t *, u));
}

static inline char *
booking_uuid_str(const pg_uuid_t *u)
{
	return DatumGetCString(DirectFunctionCall1(uuid_out, booking_uuid_datum(u)));
}

/* identity.c */
extern void booking_identity_init(void);
extern bool booking_acting_org(pg_uuid_t *org);

#include "pgtime.h"
#include "utils/date.h"

/* timezone.c */
#include "utils/rangetypes.h"
extern DateADT booking_local_date(pg_tz *tz, TimestampTz t);
extern bool booking_range_instants(RangeType *r, const char *what, TimestampTz *first, TimestampTz *last);

/* travel.c */
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

extern void booking_travel_error(TravelError err, const char *what, int index);
extern void booking_point_from_geography(Datum geog, const char *what, TravelPoint *out);
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

/* Many legs of one call: each pair of cells is looked up once (travel.c). */
typedef struct TravelLookup TravelLookup;

extern TravelLookup *booking_travel_lookup_create(const TravelOrg *t, MemoryContext cxt);
extern void booking_travel_lookup_leg(TravelLookup *l, const TravelPoint *from, const TravelPoint *to,
									  TimestampTz depart_at, TravelLeg *leg);
extern void booking_travel_lookup_end(TravelLookup *l);

/* lifecycle.c */
extern void booking_lifecycle_init(void);

#endif							/* BOOKING_H */
