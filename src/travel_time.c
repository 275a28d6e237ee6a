/*
 * src/travel_time.c
 *		Travel times: the rule of one leg (the same point, a cached time,
 *		or the estimate) over an org's settings, the lookups that serve the
 *		solver's many legs, and the SQL functions booking.travel_time(),
 *		booking.travel_matrix() and the helpers travel_cell() and
 *		travel_round_minutes() that the road-network routing source
 *		(42_routing.sql) shares with the cache; core errors as SQLSTATEs.
 *
 * The rules (geohash keys, the estimate, cached times with their factors,
 * peak windows) are in src/core/travel.c.  Points come from
 * src/geography.c, an org's settings from src/travel_org.c and cache
 * entries from src/travel_cache.c.
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "booking.h"
#include "core/travel.h"
#include "travel_time.h"

/*
 * Map a core error about the points or parameters to an ereport.  what
 * names the argument ("origin", "points[3]", ...).
 */
void
booking_travel_error(TravelError err, const char *what, int index)
{
	int			code;

	switch (err)
	{
		case TRAVEL_OK:
			return;
		case TRAVEL_ERR_NULL_ARGUMENT:
			code = ERRCODE_NULL_VALUE_NOT_ALLOWED;
			break;
		case TRAVEL_ERR_NOT_FINITE:
		case TRAVEL_ERR_LATITUDE:
		case TRAVEL_ERR_LONGITUDE:
		case TRAVEL_ERR_DISTANCE:
		case TRAVEL_ERR_MINUTES:
			code = ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
			break;
		case TRAVEL_ERR_POINT_COUNT:
			code = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			break;
		default:
			code = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
	}
	if (index >= 0)
		ereport(ERROR,
				(errcode(code),
				 errmsg("%s: %s", what, travel_error_message(err)),
				 errdetail("The value at position %d is at fault.", index + 1)));
	ereport(ERROR,
			(errcode(code),
			 errmsg("%s: %s", what, travel_error_message(err))));
}

/* Local hour and minute of the day of an instant in the org's zone. */
static void
local_clock(const TravelOrg *t, TimestampTz at, int *hour, int *minute_of_day)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;

	if (TIMESTAMP_NOT_FINITE(at) ||
		timestamp2tm(at, &tzoff, &tm, &fsec, NULL, t->tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("departure time must be a finite timestamp")));
	*hour = tm.tm_hour;
	*minute_of_day = tm.tm_hour * 60 + tm.tm_min;
}

/*
 * The travel time of a pair of points whose cache entry (row, or NULL for
 * none) is known: zero for the same point, else the cached time, else the
 * estimate.  The one place where these rules are applied.
 */
static void
travel_leg_from(const TravelOrg *t, const TravelPoint *from, const TravelPoint *to,
				const TravelCacheRow *row, int hour, int minute, TravelLeg *leg)
{
	double		distance;

	if (from->lat == to->lat && from->lon == to->lon)
	{
		leg->minutes = 0;
		leg->distance_meters = 0;
		leg->source = TRAVEL_SOURCE_SAME_POINT;
		return;
	}
	if (row != NULL)
	{
		bool		in_peak;
		TravelCacheEntry entry = row->entry;

		entry.hour_factors = row->has_factors ? row->factors : NULL;
		booking_travel_error(travel_in_windows(t->windows, t->nwindows, minute, &in_peak), "peak windows", -1);
		booking_travel_error(travel_cache_minutes(&entry, hour, in_peak, &leg->minutes), "cache entry", -1);
		leg->distance_meters = row->distance_meters;
		leg->source = TRAVEL_SOURCE_CACHE;
		strlcpy(leg->reliability, row->reliability, sizeof(leg->reliability));
		return;
	}
	booking_travel_error(travel_estimate(from, to, &t->params, hour, &leg->minutes, &distance), "estimate", -1);
	leg->distance_meters = (int) Min(rint(distance * t->params.detour_factor), (double) PG_INT32_MAX);
	leg->source = TRAVEL_SOURCE_ESTIMATE;
}

/*
 * A travel lookup: travel_leg_from() for the many legs of one call (the
 * solver's), remembering the cache entry (or its absence) of every pair of
 * cells looked up, so that each pair costs one index lookup at most, with
 * one index scan kept open and rescanned for each new pair.  It lives in
 * the memory context it was made in and answers exactly as a fresh scan
 * under the same snapshot, so it must not outlive the call;
 * booking_travel_lookup_end() closes the scan.
 */
typedef struct CellPair
{
	char		from_hash[TRAVEL_GEOHASH_BUFSIZE];
	char		to_hash[TRAVEL_GEOHASH_BUFSIZE];
} CellPair;

typedef struct PairEntry
{
	CellPair	key;			/* zero-padded: a hash key */
	bool		cached;			/* row holds the pair's valid entry */
	TravelCacheRow row;
} PairEntry;

struct TravelLookup
{
	const TravelOrg *t;
	HTAB	   *pairs;			/* CellPair -> PairEntry */
	TravelCacheScan *scan;		/* open from the first pair to the end */
};

TravelLookup *
booking_travel_lookup_create(const TravelOrg *t, MemoryContext cxt)
{
	TravelLookup *l = MemoryContextAlloc(cxt, sizeof(TravelLookup));
	HASHCTL		ctl;

	ctl.keysize = sizeof(CellPair);
	ctl.entrysize = sizeof(PairEntry);
	ctl.hcxt = cxt;
	l->t = t;
	l->scan = NULL;
	l->pairs = hash_create("booking travel lookup", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	return l;
}

/* The entry of a pair of cells, added (as not cached) if new. */
static PairEntry *
lookup_pair(TravelLookup *l, const char *from_hash, const char *to_hash, bool *found)
{
	CellPair	key;
	PairEntry  *e;

	memset(&key, 0, sizeof(key));
	strlcpy(key.from_hash, from_hash, sizeof(key.from_hash));
	strlcpy(key.to_hash, to_hash, sizeof(key.to_hash));
	e = hash_search(l->pairs, &key, HASH_ENTER, found);
	if (!*found)
		e->cached = false;
	return e;
}

/*
 * Read the cache entry of one pair into its entry, with the lookup's own
 * index scan (opened on first use, rescanned for every pair after that).
 */
static void
lookup_scan_pair(TravelLookup *l, PairEntry *e)
{
	if (l->scan == NULL)
		l->scan = booking_travel_cache_open();
	e->cached = booking_travel_cache_pair(l->scan, &l->t->org, e->key.from_hash, e->key.to_hash, &e->row);
}

/* Close what a lookup keeps open; call it once when done with the lookup. */
void
booking_travel_lookup_end(TravelLookup *l)
{
	if (l->scan == NULL)
		return;
	booking_travel_cache_close(l->scan);
	l->scan = NULL;
}

/* The travel time from one point to another, through a lookup. */
void
booking_travel_lookup_leg(TravelLookup *l, const TravelPoint *from, const TravelPoint *to,
						  TimestampTz depart_at, TravelLeg *leg)
{
	PairEntry  *e = NULL;
	int			hour;
	int			minute;

	if (from->lat != to->lat || from->lon != to->lon)
	{
		char		from_hash[TRAVEL_GEOHASH_BUFSIZE];
		char		to_hash[TRAVEL_GEOHASH_BUFSIZE];
		bool		found;

		booking_travel_error(travel_geohash(from, l->t->precision, from_hash, sizeof(from_hash)), "origin", -1);
		booking_travel_error(travel_geohash(to, l->t->precision, to_hash, sizeof(to_hash)), "destination", -1);
		e = lookup_pair(l, from_hash, to_hash, &found);
		if (!found)
			lookup_scan_pair(l, e);
	}
	local_clock(l->t, depart_at, &hour, &minute);
	travel_leg_from(l->t, from, to, e != NULL && e->cached ? &e->row : NULL, hour, minute, leg);
}

static const char *
travel_source_name(TravelSource source)
{
	switch (source)
	{
		case TRAVEL_SOURCE_SAME_POINT:
			return "same_point";
		case TRAVEL_SOURCE_CACHE:
			return "cache";
		case TRAVEL_SOURCE_ESTIMATE:
			return "estimate";
	}
	return "unknown";
}

static const char *
leg_reliability(const TravelLeg *leg)
{
	switch (leg->source)
	{
		case TRAVEL_SOURCE_SAME_POINT:
			return "high";
		case TRAVEL_SOURCE_CACHE:
			return leg->reliability;
		case TRAVEL_SOURCE_ESTIMATE:
			return "low";
	}
	return "low";
}

/*
 * The org a travel function works for: the explicit argument of the
 * administrative overload, else the acting org.
 */
static void
travel_call_org(FunctionCallInfo fcinfo, bool explicit_org, pg_uuid_t *org)
{
	if (explicit_org)
		memcpy(org, PG_GETARG_UUID_P(0), sizeof(pg_uuid_t));
	else if (!booking_acting_org(org))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("no acting org"),
				 errhint("Call booking.act_as(org_id, user_id) first, or use the overload that takes an org_id.")));
}

/*
 * Per call site (fn_extra) state of booking.travel_time: the settings of
 * the org, and a memo of the pairs of points already seen in the current
 * snapshot with their cache entry (or its absence).  A query that asks for
 * the same pairs again and again (every gap of every day of a schedule)
 * then pays for the PostGIS decoding and the index scan once per pair.  The
 * memo is dropped whenever the snapshot changes (another statement, or a
 * write in between), so it never answers differently from a fresh scan.
 */
#define MEMO_MAX_KEY 64			/* bytes of a geography point, with slack */
#define MEMO_MIN_SLOTS 1024
#define MEMO_MAX_SLOTS 65536

typedef struct MemoEntry
{
	bool		used;
	uint32		hash;
	uint8		from_len;
	uint8		to_len;
	char		key[2 * MEMO_MAX_KEY];
	TravelPoint from;
	TravelPoint to;
	bool		cached;			/* row holds a valid cache entry */
	TravelCacheRow row;
} MemoEntry;

typedef struct TravelCall
{
	TravelOrg  *org;
	TransactionId snap_xmin;
	TransactionId snap_xmax;
	CommandId	snap_cid;
	int			nslots;			/* power of two, 0 before first use */
	int			nused;
	MemoEntry  *slots;
	TupleDesc	result_desc;	/* blessed, of the OUT parameters */
} TravelCall;

static TravelCall *
travel_call_state(FunctionCallInfo fcinfo, const pg_uuid_t *org)
{
	TravelCall *c = fcinfo->flinfo->fn_extra;
	Snapshot	snap = GetActiveSnapshot();

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(TravelCall));
		fcinfo->flinfo->fn_extra = c;
	}
	if (c->org == NULL || memcmp(&c->org->org, org, sizeof(pg_uuid_t)) != 0 ||
		snap->xmin != c->snap_xmin || snap->xmax != c->snap_xmax || snap->curcid != c->snap_cid)
	{
		if (c->org != NULL)
			pfree(c->org);
		c->org = NULL;
		booking_travel_org_load(org, fcinfo->flinfo->fn_mcxt, &c->org);
		c->snap_xmin = snap->xmin;
		c->snap_xmax = snap->xmax;
		c->snap_cid = snap->curcid;
		if (c->slots != NULL)
			memset(c->slots, 0, sizeof(MemoEntry) * c->nslots);
		c->nused = 0;
	}
	return c;
}

static uint32
memo_hash(const char *a, int alen, const char *b, int blen)
{
	/* FNV-1a over both keys and their lengths */
	uint32		h = 2166136261u;
	int			i;

	for (i = 0; i < alen; i++)
		h = (h ^ (unsigned char) a[i]) * 16777619u;
	h = (h ^ (uint32) alen) * 16777619u;
	for (i = 0; i < blen; i++)
		h = (h ^ (unsigned char) b[i]) * 16777619u;
	return (h ^ (uint32) blen) * 16777619u;
}

/* Find the memo slot of a pair, or the empty slot where it belongs. */
static MemoEntry *
memo_slot(TravelCall *c, uint32 hash, const char *a, int alen, const char *b, int blen)
{
	uint32		mask = (uint32) c->nslots - 1;
	uint32		i = hash & mask;

	for (;;)
	{
		MemoEntry  *e = &c->slots[i];

		if (!e->used)
			return e;
		if (e->hash == hash && e->from_len == alen && e->to_len == blen &&
			memcmp(e->key, a, alen) == 0 && memcmp(e->key + alen, b, blen) == 0)
			return e;
		i = (i + 1) & mask;
	}
}

/* Make room for one more entry: grow, or start afresh at the largest size. */
static void
memo_reserve(FunctionCallInfo fcinfo, TravelCall *c)
{
	int			old_n = c->nslots;
	MemoEntry  *old = c->slots;
	int			i;

	if (old_n > 0 && c->nused < old_n / 2)
		return;
	if (old_n >= MEMO_MAX_SLOTS)
	{
		memset(c->slots, 0, sizeof(MemoEntry) * old_n);
		c->nused = 0;
		return;
	}
	c->nslots = old_n == 0 ? MEMO_MIN_SLOTS : old_n * 2;
	c->slots = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(MemoEntry) * c->nslots);
	for (i = 0; i < old_n; i++)
		if (old[i].used)
			*memo_slot(c, old[i].hash, old[i].key, old[i].from_len,
					   old[i].key + old[i].from_len, old[i].to_len) = old[i];
	if (old != NULL)
		pfree(old);
}

/* The memo entry for a pair of geography values, filled on first sight. */
static MemoEntry *
memo_lookup(FunctionCallInfo fcinfo, TravelCall *c, Datum from_d, Datum to_d,
			MemoEntry *scratch)
{
	struct varlena *from_v = PG_DETOAST_DATUM_PACKED(from_d);
	struct varlena *to_v = PG_DETOAST_DATUM_PACKED(to_d);
	const char *a = VARDATA_ANY(from_v);
	const char *b = VARDATA_ANY(to_v);
	int			alen = VARSIZE_ANY_EXHDR(from_v);
	int			blen = VARSIZE_ANY_EXHDR(to_v);
	MemoEntry  *e;
	uint32		hash = 0;
	bool		memoize = alen <= MEMO_MAX_KEY && blen <= MEMO_MAX_KEY;

	if (memoize)
	{
		memo_reserve(fcinfo, c);
		hash = memo_hash(a, alen, b, blen);
		e = memo_slot(c, hash, a, alen, b, blen);
		if (e->used)
			return e;
	}
	else
		e = scratch;

	booking_point_from_geography(from_d, "origin", &e->from);
	booking_point_from_geography(to_d, "destination", &e->to);
	e->cached = booking_travel_cache_find(c->org, &e->from, &e->to, &e->row);
	if (memoize)
	{
		e->used = true;
		e->hash = hash;
		e->from_len = alen;
		e->to_len = blen;
		memcpy(e->key, a, alen);
		memcpy(e->key + alen, b, blen);
		c->nused++;
	}
	return e;
}

/*
 * booking.travel_time([org_id,] origin, destination, depart_at)
 *		-> (minutes, distance_meters, source, reliability)
 */
PG_FUNCTION_INFO_V1(booking_travel_time);
Datum
booking_travel_time(PG_FUNCTION_ARGS)
{
	bool		explicit_org = PG_NARGS() == 4;
	int			a = explicit_org ? 1 : 0;
	pg_uuid_t	org;
	TravelCall *c;
	MemoEntry	scratch;
	MemoEntry  *e;
	TravelLeg	leg;
	TupleDesc	desc;
	Datum		values[4];
	bool		nulls[4] = {false, false, false, false};
	int			hour;
	int			minute;

	travel_call_org(fcinfo, explicit_org, &org);
	c = travel_call_state(fcinfo, &org);
	e = memo_lookup(fcinfo, c, PG_GETARG_DATUM(a), PG_GETARG_DATUM(a + 1), &scratch);
	local_clock(c->org, PG_GETARG_TIMESTAMPTZ(a + 2), &hour, &minute);
	travel_leg_from(c->org, &e->from, &e->to, e->cached ? &e->row : NULL, hour, minute, &leg);

	if (c->result_desc == NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);

		if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
			elog(ERROR, "return type must be a row type");
		c->result_desc = BlessTupleDesc(CreateTupleDescCopy(desc));
		MemoryContextSwitchTo(old);
	}
	desc = c->result_desc;
	values[0] = Int32GetDatum(leg.minutes);
	values[1] = Int32GetDatum(leg.distance_meters);
	values[2] = CStringGetTextDatum(travel_source_name(leg.source));
	values[3] = CStringGetTextDatum(leg_reliability(&leg));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

/* State of a matrix: the cells of the points and what the cache holds. */
typedef struct MatrixCells
{
	int			n;
	char	  (*hash)[TRAVEL_GEOHASH_BUFSIZE];	/* cell of each point */
	int			from;			/* index of the point being scanned */
	int		   *entry;			/* n * n: index into found, or -1 */
	TravelCacheRow *found;		/* the entries read */
	int			nfound;
	int			maxfound;
} MatrixCells;

static void
matrix_found(const TravelCacheRow *row, void *arg)
{
	MatrixCells *m = arg;
	int			j;

	if (m->nfound == m->maxfound)
	{
		m->maxfound *= 2;
		m->found = repalloc_huge(m->found, sizeof(TravelCacheRow) * m->maxfound);
	}
	m->found[m->nfound] = *row;
	for (j = 0; j < m->n; j++)
		if (strcmp(m->hash[j], row->to_hash) == 0)
			m->entry[m->from * m->n + j] = m->nfound;
	m->nfound++;
}

/*
 * Fill legs[i * n + j] for every ordered pair of n valid points: the rules
 * of travel_leg_from(), with one index scan per distinct origin cell
 * instead of one per pair.
 */
static void
travel_matrix_legs(const TravelOrg *t, const TravelPoint *points, int n,
				   TimestampTz depart_at, TravelLeg *legs)
{
	MatrixCells m;
	const char **targets;
	int			ntargets;
	int			i;
	int			j;
	int			hour;
	int			minute;

	if (n < 0 || n > TRAVEL_MATRIX_MAX_POINTS)
		booking_travel_error(TRAVEL_ERR_POINT_COUNT, "points", -1);
	if (n == 0)
		return;
	local_clock(t, depart_at, &hour, &minute);
	m.n = n;
	m.hash = palloc(sizeof(*m.hash) * n);
	m.entry = palloc(sizeof(int) * n * n);
	memset(m.entry, -1, sizeof(int) * n * n);
	m.nfound = 0;
	m.maxfound = 64;
	m.found = palloc(sizeof(TravelCacheRow) * m.maxfound);
	targets = palloc(sizeof(char *) * n);
	for (i = 0; i < n; i++)
	{
		booking_travel_error(travel_geohash(&points[i], t->precision, m.hash[i], sizeof(m.hash[i])), "points", i);
		targets[i] = m.hash[i];
	}
	/* distinct target cells, sorted */
	qsort(targets, n, sizeof(char *), booking_travel_cell_cmp);
	ntargets = 0;
	for (i = 0; i < n; i++)
		if (ntargets == 0 || strcmp(targets[ntargets - 1], targets[i]) != 0)
			targets[ntargets++] = targets[i];
	for (i = 0; i < n; i++)
	{
		bool		seen = false;

		CHECK_FOR_INTERRUPTS();
		/* a cell scanned before: copy its row of entries */
		for (j = 0; j < i && !seen; j++)
			if (strcmp(m.hash[j], m.hash[i]) == 0)
			{
				memcpy(&m.entry[i * n], &m.entry[j * n], sizeof(int) * n);
				seen = true;
			}
		if (seen)
			continue;
		m.from = i;
		booking_travel_cache_scan(&t->org, m.hash[i], targets, ntargets, matrix_found, &m);
	}
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < n; j++)
		{
			int			k = m.entry[i * n + j];

			travel_leg_from(t, &points[i], &points[j], k >= 0 ? &m.found[k] : NULL,
							hour, minute, &legs[i * n + j]);
		}
	}
	pfree(targets);
	pfree(m.found);
	pfree(m.entry);
	pfree(m.hash);
}

/*
 * booking.travel_matrix([org_id,] points, depart_at)
 *		-> SETOF (from_index, to_index, minutes, distance_meters, source,
 *		reliability), 1-based indexes into points, every ordered pair.
 */
PG_FUNCTION_INFO_V1(booking_travel_matrix);
Datum
booking_travel_matrix(PG_FUNCTION_ARGS)
{
	bool		explicit_org = PG_NARGS() == 3;
	int			a = explicit_org ? 1 : 0;
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	pg_uuid_t	org;
	TravelOrg  *t;
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(a);
	TimestampTz depart_at = PG_GETARG_TIMESTAMPTZ(a + 1);
	Datum	   *elems;
	bool	   *nulls;
	int16		typlen;
	bool		typbyval;
	char		typalign;
	int			n;
	int			i;
	int			j;
	TravelPoint *points;
	TravelLeg  *legs;

	travel_call_org(fcinfo, explicit_org, &org);
	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("points must be a one-dimensional array")));
	n = ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr));
	if (n > TRAVEL_MATRIX_MAX_POINTS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("points: %s", travel_error_message(TRAVEL_ERR_POINT_COUNT)),
				 errdetail("The array has %d points; the limit is %d.", n, TRAVEL_MATRIX_MAX_POINTS)));
	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign, &elems, &nulls, &n);
	points = palloc(sizeof(TravelPoint) * Max(n, 1));
	for (i = 0; i < n; i++)
	{
		char		what[32];

		snprintf(what, sizeof(what), "points[%d]", i + 1);
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s must not be null", what)));
		booking_point_from_geography(elems[i], what, &points[i]);
	}
	t = travel_call_state(fcinfo, &org)->org;
	legs = palloc(sizeof(TravelLeg) * Max(n * n, 1));
	travel_matrix_legs(t, points, n, depart_at, legs);

	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < n; i++)
	{
		CHECK_FOR_INTERRUPTS();
		for (j = 0; j < n; j++)
		{
			Datum		values[6];
			bool		vnulls[6] = {false, false, false, false, false, false};
			TravelLeg  *leg = &legs[i * n + j];

			values[0] = Int32GetDatum(i + 1);
			values[1] = Int32GetDatum(j + 1);
			values[2] = Int32GetDatum(leg->minutes);
			values[3] = Int32GetDatum(leg->distance_meters);
			values[4] = CStringGetTextDatum(travel_source_name(leg->source));
			values[5] = CStringGetTextDatum(leg_reliability(leg));
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, vnulls);
		}
	}
	return (Datum) 0;
}

/*
 * booking.travel_cell(org_id, point) -> text: the geohash cell of a point at
 * the org's precision, i.e. the from_hash or to_hash its cache entries get.
 */
PG_FUNCTION_INFO_V1(booking_travel_cell);
Datum
booking_travel_cell(PG_FUNCTION_ARGS)
{
	pg_uuid_t	org;
	TravelCall *c;
	TravelPoint p;
	char		hash[TRAVEL_GEOHASH_BUFSIZE];

	memcpy(&org, PG_GETARG_UUID_P(0), sizeof(pg_uuid_t));
	c = travel_call_state(fcinfo, &org);
	booking_point_from_geography(PG_GETARG_DATUM(1), "point", &p);
	booking_travel_error(travel_geohash(&p, c->org->precision, hash, sizeof(hash)), "point", -1);
	PG_RETURN_TEXT_P(cstring_to_text(hash));
}

/*
 * booking.travel_round_minutes(raw_minutes) -> int4: whole minutes of a
 * finite, non-negative number of minutes by the rounding of every travel
 * time (round_up, capped at 100000), e.g. for a routing cost.
 */
PG_FUNCTION_INFO_V1(booking_travel_round_minutes);
Datum
booking_travel_round_minutes(PG_FUNCTION_ARGS)
{
	int			minutes;

	booking_travel_error(travel_round_minutes(PG_GETARG_FLOAT8(0), &minutes), "raw_minutes", -1);
	PG_RETURN_INT32(minutes);
}
