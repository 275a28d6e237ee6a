/*
 * src/travel.c
 *		SQL glue of the travel-time lookup: booking.travel_time(),
 *		booking.travel_matrix(), the check trigger of
 *		booking.travel_time_cache, and the helpers travel_cell() and
 *		travel_round_minutes() that the road-network routing source
 *		(sql/parts/42_routing.sql) shares with the cache.
 *
 * The rules (geohash keys, the estimate, cached times with their factors,
 * peak windows) are in src/core/travel.c.  This file turns geography values
 * into points, reads an org's settings and time zone, finds cache entries
 * and maps core errors to SQLSTATEs.
 *
 * Cache entries are read with a direct scan of the unique index on
 * (org_id, from_hash, to_hash) under the active snapshot, not through SPI:
 * a lookup costs about a microsecond instead of the tens of an SQL query,
 * which is what lets the solver ask for every gap.  Because such a scan
 * does not apply row-level security, the functions filter on the org
 * themselves: the acting org for booking.travel_time(origin, ...), or the
 * org named by the caller of the administrative overload, whose EXECUTE
 * privilege is revoked from PUBLIC.
 */
#include "postgres.h"

#include <math.h>

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/skey.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "booking.h"
#include "core/travel.h"

/* SRID of WGS 84, the only one accepted. */
#define WGS84_SRID 4326

/* PostGIS functions used to read a geography value, looked up once. */
typedef struct PostgisFuncs
{
	bool		ready;
	FmgrInfo	srid;			/* st_srid(geography) */
	FmgrInfo	binary;			/* st_asbinary(geography) */
	FmgrInfo	type_name;		/* geometrytype(geography) */
} PostgisFuncs;

static PostgisFuncs postgis;

/* Attribute numbers of booking.travel_time_cache, looked up once. */
typedef struct CacheTable
{
	bool		ready;
	Oid			relid;
	Oid			indexid;		/* unique (org_id, from_hash, to_hash) */
	AttrNumber	to_hash;
	AttrNumber	driving_minutes;
	AttrNumber	distance_meters;
	AttrNumber	traffic_multiplier;
	AttrNumber	peak_multiplier;
	AttrNumber	factors;
	AttrNumber	valid_until;
	AttrNumber	reliability;
} CacheTable;

static CacheTable cache_table;

static Oid
booking_namespace(void)
{
	Oid			nsp = get_namespace_oid("booking", true);

	if (!OidIsValid(nsp))
		elog(ERROR, "schema booking does not exist");
	return nsp;
}

static void
lookup_postgis_function(FmgrInfo *finfo, Oid nsp, const char *name, Oid argtype)
{
	List	   *qname = list_make2(makeString(get_namespace_name(nsp)), makeString(pstrdup(name)));
	Oid			fn = LookupFuncName(qname, 1, &argtype, false);

	fmgr_info_cxt(fn, finfo, TopMemoryContext);
}

static void
postgis_init(void)
{
	Oid			nsp;
	Oid			geography;
	bool		isnull;

	if (postgis.ready)
		return;
	/* get_extension_schema() is not exported before PostgreSQL 16 */
	SPI_connect();
	if (SPI_execute("SELECT extnamespace FROM pg_catalog.pg_extension"
					" WHERE extname OPERATOR(pg_catalog.=) 'postgis'", true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "extension postgis is not installed");
	nsp = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	geography = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								CStringGetDatum("geography"), ObjectIdGetDatum(nsp));
	if (!OidIsValid(geography))
		elog(ERROR, "type geography of postgis not found");
	lookup_postgis_function(&postgis.srid, nsp, "st_srid", geography);
	lookup_postgis_function(&postgis.binary, nsp, "st_asbinary", geography);
	lookup_postgis_function(&postgis.type_name, nsp, "geometrytype", geography);
	postgis.ready = true;
}

static double
wkb_double(const unsigned char *p, bool little)
{
	unsigned char b[8];
	double		d;
	int			i;
	union
	{
		uint16		u;
		unsigned char c[2];
	}			probe = {1};
	bool		host_little = probe.c[0] == 1;

	for (i = 0; i < 8; i++)
		b[i] = (little == host_little) ? p[i] : p[7 - i];
	memcpy(&d, b, 8);
	return d;
}

static uint32
wkb_uint32(const unsigned char *p, bool little)
{
	return little ? ((uint32) p[0] | (uint32) p[1] << 8 | (uint32) p[2] << 16 | (uint32) p[3] << 24)
		: ((uint32) p[3] | (uint32) p[2] << 8 | (uint32) p[1] << 16 | (uint32) p[0] << 24);
}

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

/*
 * Read a geography point (SRID 4326, not empty, finite, in range) into *out.
 * what names the argument in error messages.
 */
void
booking_point_from_geography(Datum geog, const char *what, TravelPoint *out)
{
	int32		srid;
	bytea	   *wkb;
	const unsigned char *p;
	bool		little;
	uint32		type;

	postgis_init();
	srid = DatumGetInt32(FunctionCall1(&postgis.srid, geog));
	if (srid != WGS84_SRID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be in SRID %d, not %d", what, WGS84_SRID, srid),
				 errhint("Use ST_Transform(geometry, 4326)::geography, or a geography literal without an SRID.")));
	wkb = DatumGetByteaPP(FunctionCall1(&postgis.binary, geog));
	p = (const unsigned char *) VARDATA_ANY(wkb);
	if (VARSIZE_ANY_EXHDR(wkb) < 5)
		elog(ERROR, "st_asbinary returned %zu bytes", (size_t) VARSIZE_ANY_EXHDR(wkb));
	little = p[0] == 1;
	type = wkb_uint32(p + 1, little);
	/* ISO WKB: 1 point, 1001 point Z, 2001 point M, 3001 point ZM */
	if (type % 1000 != 1)
	{
		text	   *name = DatumGetTextPP(FunctionCall1(&postgis.type_name, geog));

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a point, not %s", what, text_to_cstring(name))));
	}
	if (VARSIZE_ANY_EXHDR(wkb) < 21)
		elog(ERROR, "st_asbinary returned a short point");
	out->lon = wkb_double(p + 5, little);
	out->lat = wkb_double(p + 13, little);
	/* PostGIS writes an empty point as POINT(NaN NaN) */
	if (isnan(out->lon) && isnan(out->lat))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be an empty point", what)));
	booking_travel_error(travel_point_validate(out), what, -1);
}

/* The settings query, prepared once per backend. */
static SPIPlanPtr org_plan = NULL;

/* Peak windows of an org without settings: 07:00-09:00 and 16:00-18:00. */
static const TravelWindow default_peak_windows[] = {{7 * 60, 9 * 60}, {16 * 60, 18 * 60}};

/*
 * An org's travel settings from the BOOKING_TRAVEL_ORG_COLUMNS of a query
 * (defaults where the org has no booking.travel_setting row), with its time
 * zone tz, into a TravelOrg allocated in cxt.  The settings were checked on
 * the way in; they are checked again here so that a bad row cannot reach
 * the core.
 */
void
booking_travel_org_from_columns(const pg_uuid_t *org, pg_tz *tz, const Datum *values,
								const bool *isnull, MemoryContext cxt, TravelOrg **result)
{
	TravelOrg  *t;
	int			bad;

	t = MemoryContextAllocZero(cxt, sizeof(TravelOrg));
	memcpy(&t->org, org, sizeof(pg_uuid_t));
	t->tz = tz;
	/* the column defaults of booking.travel_setting; a test compares them */
	travel_params_default(&t->params);
	t->precision = BOOKING_TRAVEL_DEFAULT_PRECISION;
	t->nwindows = lengthof(default_peak_windows);
	t->windows = MemoryContextAlloc(cxt, sizeof(default_peak_windows));
	memcpy(t->windows, default_peak_windows, sizeof(default_peak_windows));

	if (!isnull[6] && DatumGetBool(values[6]))
	{
		ArrayType  *speeds;
		ArrayType  *lowers;
		ArrayType  *uppers;
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int			i;

		t->precision = DatumGetInt32(values[0]);
		t->params.detour_factor = DatumGetFloat8(values[1]);
		speeds = DatumGetArrayTypeP(values[2]);
		deconstruct_array(speeds, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
		if (n != TRAVEL_HOURS)
			elog(ERROR, "speed profile of the org has %d values", n);
		for (i = 0; i < n; i++)
			t->params.speed_kmh[i] = nulls[i] ? NAN : DatumGetFloat8(elems[i]);
		t->params.min_minutes = DatumGetInt32(values[3]);

		lowers = DatumGetArrayTypeP(values[4]);
		uppers = DatumGetArrayTypeP(values[5]);
		n = ArrayGetNItems(ARR_NDIM(lowers), ARR_DIMS(lowers));
		if (n != ArrayGetNItems(ARR_NDIM(uppers), ARR_DIMS(uppers)))
			elog(ERROR, "peak windows of the org are malformed");
		t->nwindows = n;
		t->windows = MemoryContextAllocZero(cxt, sizeof(TravelWindow) * Max(n, 1));
		for (i = 0; i < n; i++)
		{
			t->windows[i].start_minute = ((int32 *) ARR_DATA_PTR(lowers))[i];
			t->windows[i].end_minute = ((int32 *) ARR_DATA_PTR(uppers))[i];
		}
	}
	if (travel_params_validate(&t->params, &bad) != TRAVEL_OK ||
		travel_windows_validate(t->windows, t->nwindows, &bad) != TRAVEL_OK ||
		t->precision < TRAVEL_GEOHASH_MIN_PRECISION || t->precision > TRAVEL_GEOHASH_MAX_PRECISION)
		elog(ERROR, "travel settings of the org are invalid");
	*result = t;
}

/*
 * Read an org's time zone and travel settings (see
 * booking_travel_org_from_columns).
 */
void
booking_travel_org_load(const pg_uuid_t *org, MemoryContext cxt, TravelOrg **result)
{
	Oid			argtypes[1] = {UUIDOID};
	Datum		values[1];
	Datum		columns[1 + BOOKING_TRAVEL_ORG_NCOLUMNS];
	bool		isnull[1 + BOOKING_TRAVEL_ORG_NCOLUMNS];
	int			ret;
	char	   *zone;
	pg_tz	   *tz;

	values[0] = UUIDPGetDatum(unconstify(pg_uuid_t *, org));
	SPI_connect();
	if (org_plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare("SELECT o.time_zone::pg_catalog.text, " BOOKING_TRAVEL_ORG_COLUMNS
									   "  FROM booking.org o" BOOKING_TRAVEL_ORG_JOIN
									   " WHERE o.id OPERATOR(pg_catalog.=) $1",
									   1, argtypes);

		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the travel settings query");
		org_plan = plan;
	}
	ret = SPI_execute_plan(org_plan, values, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "travel settings lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("org %s does not exist",
						DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(unconstify(pg_uuid_t *, org)))))));
	heap_deform_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, columns, isnull);
	zone = TextDatumGetCString(columns[0]);
	tz = pg_tzset(zone);
	if (tz == NULL)
		elog(ERROR, "time zone \"%s\" of the org is unknown", zone);
	booking_travel_org_from_columns(org, tz, columns + 1, isnull + 1, cxt, result);
	SPI_finish();
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

static void
cache_table_init(void)
{
	Oid			nsp;
	Oid			relid;
	Relation	rel;
	List	   *indexes;
	ListCell   *lc;

	if (cache_table.ready)
		return;
	nsp = booking_namespace();
	relid = get_relname_relid("travel_time_cache", nsp);
	if (!OidIsValid(relid))
		elog(ERROR, "table booking.travel_time_cache does not exist");
	cache_table.relid = relid;
	cache_table.indexid = InvalidOid;
	rel = table_open(relid, AccessShareLock);
	indexes = RelationGetIndexList(rel);
	foreach(lc, indexes)
	{
		Relation	idx = index_open(lfirst_oid(lc), AccessShareLock);
		int2vector *keys = &idx->rd_index->indkey;

		if (idx->rd_index->indisunique && idx->rd_index->indnkeyatts == 3 &&
			keys->values[0] == get_attnum(relid, "org_id") &&
			keys->values[1] == get_attnum(relid, "from_hash") &&
			keys->values[2] == get_attnum(relid, "to_hash"))
			cache_table.indexid = RelationGetRelid(idx);
		index_close(idx, AccessShareLock);
	}
	table_close(rel, AccessShareLock);
	if (!OidIsValid(cache_table.indexid))
		elog(ERROR, "unique index on booking.travel_time_cache (org_id, from_hash, to_hash) not found");
	cache_table.to_hash = get_attnum(relid, "to_hash");
	cache_table.driving_minutes = get_attnum(relid, "driving_minutes");
	cache_table.distance_meters = get_attnum(relid, "distance_meters");
	cache_table.traffic_multiplier = get_attnum(relid, "traffic_multiplier");
	cache_table.peak_multiplier = get_attnum(relid, "peak_hour_multiplier");
	cache_table.factors = get_attnum(relid, "time_of_day_factors");
	cache_table.valid_until = get_attnum(relid, "cache_valid_until");
	cache_table.reliability = get_attnum(relid, "reliability");
	cache_table.ready = true;
}

/* A cache entry as read from a row. */
typedef struct CacheRow
{
	char		to_hash[TRAVEL_GEOHASH_BUFSIZE];
	TravelCacheEntry entry;
	double		factors[TRAVEL_HOURS];
	bool		has_factors;	/* entry.hour_factors is set on use, since
								 * rows are copied */
	int			distance_meters;
	char		reliability[8];
} CacheRow;

/* Whether the entry in slot is still valid: its valid_until is after now(). */
static bool
cache_row_valid(TupleTableSlot *slot)
{
	bool		isnull;

	return DatumGetTimestampTz(slot_getattr(slot, cache_table.valid_until, &isnull)) >
		GetCurrentTransactionStartTimestamp();
}

static void
read_cache_row(TupleTableSlot *slot, CacheRow *row)
{
	bool		isnull;
	Datum		d;
	text	   *txt;

	txt = DatumGetTextPP(slot_getattr(slot, cache_table.to_hash, &isnull));
	text_to_cstring_buffer(txt, row->to_hash, sizeof(row->to_hash));
	row->entry.base_minutes = DatumGetInt32(slot_getattr(slot, cache_table.driving_minutes, &isnull));
	row->distance_meters = DatumGetInt32(slot_getattr(slot, cache_table.distance_meters, &isnull));
	row->entry.distance_m = row->distance_meters;
	row->entry.traffic_multiplier = DatumGetFloat8(slot_getattr(slot, cache_table.traffic_multiplier, &isnull));
	row->entry.peak_multiplier = DatumGetFloat8(slot_getattr(slot, cache_table.peak_multiplier, &isnull));
	row->entry.hour_factors = NULL;
	row->has_factors = false;
	d = slot_getattr(slot, cache_table.factors, &isnull);
	if (!isnull)
	{
		ArrayType  *a = DatumGetArrayTypeP(d);

		if (ARR_NDIM(a) != 1 || ARR_DIMS(a)[0] != TRAVEL_HOURS || ARR_HASNULL(a))
			elog(ERROR, "malformed time_of_day_factors in booking.travel_time_cache");
		memcpy(row->factors, ARR_DATA_PTR(a), sizeof(row->factors));
		row->has_factors = true;
	}
	txt = DatumGetTextPP(slot_getattr(slot, cache_table.reliability, &isnull));
	text_to_cstring_buffer(txt, row->reliability, sizeof(row->reliability));
}

static void
init_key(ScanKey key, Relation idx, int attno, RegProcedure proc, Datum arg)
{
	ScanKeyEntryInitialize(key, 0, attno, BTEqualStrategyNumber, InvalidOid,
						   idx->rd_indcollation[attno - 1], proc, arg);
}

/* Above this many target cells a scan reads the whole origin cell. */
#define CACHE_SCAN_MAX_ARRAY 32

static int
cmp_cstring_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *) a, *(const char *const *) b);
}

/*
 * Scan the valid cache entries of org from from_hash to any of the
 * nto_hashes, calling found() for each.  One index scan: the to_hash key is
 * an array condition for a few targets; for more (which must then be
 * sorted and distinct) the scan reads every entry of the origin cell and
 * keeps those whose destination is a target.
 */
static void
cache_scan(const pg_uuid_t *org, const char *from_hash,
		   const char *const *to_hashes, int nto_hashes,
		   void (*found) (const CacheRow *row, void *arg), void *arg)
{
	Relation	rel;
	Relation	idx;
	ScanKeyData keys[3];
	IndexScanDesc scan;
	TupleTableSlot *slot;
	Datum		to_arg;
	int			i;
	int			nkeys = 3;

	cache_table_init();
	rel = table_open(cache_table.relid, AccessShareLock);
	idx = index_open(cache_table.indexid, AccessShareLock);
	init_key(&keys[0], idx, 1, F_UUID_EQ, UUIDPGetDatum(org));
	init_key(&keys[1], idx, 2, F_TEXTEQ, CStringGetTextDatum(from_hash));
	if (nto_hashes == 1)
		init_key(&keys[2], idx, 3, F_TEXTEQ, CStringGetTextDatum(to_hashes[0]));
	else if (nto_hashes > CACHE_SCAN_MAX_ARRAY)
		nkeys = 2;				/* every entry of the cell, filtered below */
	else
	{
		Datum	   *elems = palloc(sizeof(Datum) * nto_hashes);

		for (i = 0; i < nto_hashes; i++)
			elems[i] = CStringGetTextDatum(to_hashes[i]);
		to_arg = PointerGetDatum(construct_array(elems, nto_hashes, TEXTOID, -1, false, TYPALIGN_INT));
		init_key(&keys[2], idx, 3, F_TEXTEQ, to_arg);
		keys[2].sk_flags |= SK_SEARCHARRAY;
	}
	slot = table_slot_create(rel, NULL);
	scan = index_beginscan(rel, idx, GetActiveSnapshot(), nkeys, 0);
	index_rescan(scan, keys, nkeys, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		CacheRow	row;

		if (!cache_row_valid(slot))
			continue;
		read_cache_row(slot, &row);
		if (nkeys == 2)
		{
			const char *key = row.to_hash;

			if (bsearch(&key, to_hashes, nto_hashes, sizeof(char *), cmp_cstring_ptr) == NULL)
				continue;
		}
		found(&row, arg);
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(idx, AccessShareLock);
	table_close(rel, AccessShareLock);
}

static void
copy_first_row(const CacheRow *row, void *arg)
{
	CacheRow   *out = arg;

	if (out->to_hash[0] == '\0')
		*out = *row;
}

/*
 * Find the valid cache entry of the cells of two distinct points into *row;
 * false when there is none (or the points are the same).
 */
static bool
booking_travel_cache_find(const TravelOrg *t, const TravelPoint *from, const TravelPoint *to,
						  CacheRow *row)
{
	char		from_hash[TRAVEL_GEOHASH_BUFSIZE];
	char		to_hash[TRAVEL_GEOHASH_BUFSIZE];
	const char *to_hashes[1] = {to_hash};

	if (from->lat == to->lat && from->lon == to->lon)
		return false;
	booking_travel_error(travel_geohash(from, t->precision, from_hash, sizeof(from_hash)), "origin", -1);
	booking_travel_error(travel_geohash(to, t->precision, to_hash, sizeof(to_hash)), "destination", -1);
	row->to_hash[0] = '\0';
	cache_scan(&t->org, from_hash, to_hashes, 1, copy_first_row, row);
	return row->to_hash[0] != '\0';
}

/*
 * The travel time of a pair of points whose cache entry (row, or NULL for
 * none) is known: zero for the same point, else the cached time, else the
 * estimate.  The one place where these rules are applied.
 */
static void
travel_leg_from(const TravelOrg *t, const TravelPoint *from, const TravelPoint *to,
				const CacheRow *row, int hour, int minute, TravelLeg *leg)
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
	CacheRow	row;
} PairEntry;

struct TravelLookup
{
	const TravelOrg *t;
	HTAB	   *pairs;			/* CellPair -> PairEntry */
	/* a scan of the cache for one pair at a time, open until the end */
	Relation	rel;
	Relation	idx;
	TupleTableSlot *slot;
	IndexScanDesc scan;
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
	l->rel = NULL;
	l->idx = NULL;
	l->slot = NULL;
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
	ScanKeyData keys[3];

	if (l->scan == NULL)
	{
		cache_table_init();
		l->rel = table_open(cache_table.relid, AccessShareLock);
		l->idx = index_open(cache_table.indexid, AccessShareLock);
		l->slot = table_slot_create(l->rel, NULL);
		l->scan = index_beginscan(l->rel, l->idx, GetActiveSnapshot(), 3, 0);
	}
	init_key(&keys[0], l->idx, 1, F_UUID_EQ, UUIDPGetDatum(&l->t->org));
	init_key(&keys[1], l->idx, 2, F_TEXTEQ, CStringGetTextDatum(e->key.from_hash));
	init_key(&keys[2], l->idx, 3, F_TEXTEQ, CStringGetTextDatum(e->key.to_hash));
	index_rescan(l->scan, keys, 3, NULL, 0);
	while (index_getnext_slot(l->scan, ForwardScanDirection, l->slot))
	{
		if (!cache_row_valid(l->slot))
			continue;
		read_cache_row(l->slot, &e->row);
		e->cached = true;
		break;					/* the index is unique */
	}
}

/* Close what a lookup keeps open; call it once when done with the lookup. */
void
booking_travel_lookup_end(TravelLookup *l)
{
	if (l->scan == NULL)
		return;
	index_endscan(l->scan);
	ExecDropSingleTupleTableSlot(l->slot);
	index_close(l->idx, AccessShareLock);
	table_close(l->rel, AccessShareLock);
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
	CacheRow	row;
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
	CacheRow   *found;			/* the entries read */
	int			nfound;
	int			maxfound;
} MatrixCells;

static void
matrix_found(const CacheRow *row, void *arg)
{
	MatrixCells *m = arg;
	int			j;

	if (m->nfound == m->maxfound)
	{
		m->maxfound *= 2;
		m->found = repalloc_huge(m->found, sizeof(CacheRow) * m->maxfound);
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
	m.found = palloc(sizeof(CacheRow) * m.maxfound);
	targets = palloc(sizeof(char *) * n);
	for (i = 0; i < n; i++)
	{
		booking_travel_error(travel_geohash(&points[i], t->precision, m.hash[i], sizeof(m.hash[i])), "points", i);
		targets[i] = m.hash[i];
	}
	/* distinct target cells, sorted */
	qsort(targets, n, sizeof(char *), cmp_cstring_ptr);
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
		cache_scan(&t->org, m.hash[i], targets, ntargets, matrix_found, &m);
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
 * Trigger on booking.travel_time_cache, BEFORE INSERT OR UPDATE: checks the
 * points and every factor with the core's own rules, requires a validity
 * after the time of measurement, and sets from_hash and to_hash from the
 * points at the org's precision.
 */
PG_FUNCTION_INFO_V1(booking_travel_cache_check);
Datum
booking_travel_cache_check(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	desc;
	HeapTuple	tuple;
	Datum	   *values;
	bool	   *nulls;
	bool	   *replace;
	AttrNumber	att;
	pg_uuid_t	org;
	TravelOrg  *t;
	TravelPoint from;
	TravelPoint to;
	TravelCacheEntry entry;
	double		factors[TRAVEL_HOURS];
	char		from_hash[TRAVEL_GEOHASH_BUFSIZE];
	char		to_hash[TRAVEL_GEOHASH_BUFSIZE];
	bool		isnull;
	Datum		d;
	int			bad;
	TravelError err;
	TimestampTz now;
	TimestampTz measured;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(trigdata->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) || TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("booking_travel_cache_check must run BEFORE INSERT OR UPDATE FOR EACH ROW")));
	rel = trigdata->tg_relation;
	desc = RelationGetDescr(rel);
	tuple = TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) ? trigdata->tg_newtuple : trigdata->tg_trigtuple;

	d = heap_getattr(tuple, get_attnum(RelationGetRelid(rel), "org_id"), desc, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("org_id of a travel time cache entry must not be null"),
				 errhint("Call booking.act_as(org_id, user_id) first, or give org_id.")));
	memcpy(&org, DatumGetUUIDP(d), sizeof(pg_uuid_t));
	booking_travel_org_load(&org, CurrentMemoryContext, &t);

	d = heap_getattr(tuple, get_attnum(RelationGetRelid(rel), "from_point"), desc, &isnull);
	if (isnull)
		booking_travel_error(TRAVEL_ERR_NULL_ARGUMENT, "from_point", -1);
	booking_point_from_geography(d, "from_point", &from);
	d = heap_getattr(tuple, get_attnum(RelationGetRelid(rel), "to_point"), desc, &isnull);
	if (isnull)
		booking_travel_error(TRAVEL_ERR_NULL_ARGUMENT, "to_point", -1);
	booking_point_from_geography(d, "to_point", &to);

	memset(&entry, 0, sizeof(entry));
	entry.base_minutes = DatumGetInt32(heap_getattr(tuple, get_attnum(RelationGetRelid(rel), "driving_minutes"), desc, &isnull));
	entry.distance_m = DatumGetInt32(heap_getattr(tuple, get_attnum(RelationGetRelid(rel), "distance_meters"), desc, &isnull));
	entry.traffic_multiplier = DatumGetFloat8(heap_getattr(tuple, get_attnum(RelationGetRelid(rel), "traffic_multiplier"), desc, &isnull));
	entry.peak_multiplier = DatumGetFloat8(heap_getattr(tuple, get_attnum(RelationGetRelid(rel), "peak_hour_multiplier"), desc, &isnull));
	d = heap_getattr(tuple, get_attnum(RelationGetRelid(rel), "time_of_day_factors"), desc, &isnull);
	if (!isnull)
	{
		ArrayType  *a = DatumGetArrayTypeP(d);
		Datum	   *elems;
		bool	   *enulls;
		int			n;
		int			i;

		if (ARR_NDIM(a) != 1)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("time_of_day_factors must be a one-dimensional array of %d values", TRAVEL_HOURS)));
		deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &enulls, &n);
		if (n != TRAVEL_HOURS)
			ereport(ERROR,
					(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
					 errmsg("time_of_day_factors must have %d values, not %d", TRAVEL_HOURS, n),
					 errdetail("One factor per local hour of departure, the first for 00:00-00:59.")));
		for (i = 0; i < n; i++)
		{
			if (enulls[i])
				ereport(ERROR,
						(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
						 errmsg("time_of_day_factors must not contain nulls"),
						 errdetail("The value at position %d is null.", i + 1)));
			factors[i] = DatumGetFloat8(elems[i]);
		}
		entry.hour_factors = factors;
	}
	err = travel_cache_validate(&entry, &bad);
	if (err == TRAVEL_ERR_HOUR_FACTOR)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time_of_day_factors: %s", travel_error_message(err)),
				 errdetail("The factor for %02d:00 is %g; each must lie in [0, %g].",
						   bad, factors[bad], TRAVEL_MAX_FACTOR)));
	booking_travel_error(err, "travel time cache entry", -1);

	/*
	 * last_updated is the time the entry was measured: now(), except that an
	 * INSERT may bring an earlier one (a restored dump does).  The entry must
	 * be valid for some time after it: so a new entry's validity lies in the
	 * future, while a dump with expired entries still restores.
	 */
	now = GetCurrentTransactionStartTimestamp();
	measured = now;
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		d = heap_getattr(tuple, get_attnum(RelationGetRelid(rel), "last_updated"), desc, &isnull);
		if (!isnull && DatumGetTimestampTz(d) < now)
			measured = DatumGetTimestampTz(d);
	}
	d = heap_getattr(tuple, get_attnum(RelationGetRelid(rel), "cache_valid_until"), desc, &isnull);
	if (!isnull && DatumGetTimestampTz(d) <= measured)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cache_valid_until must lie in the future"),
				 errdetail("It is %s, and the entry is measured at %s.",
						   timestamptz_to_str(DatumGetTimestampTz(d)), timestamptz_to_str(measured))));

	booking_travel_error(travel_geohash(&from, t->precision, from_hash, sizeof(from_hash)), "from_point", -1);
	booking_travel_error(travel_geohash(&to, t->precision, to_hash, sizeof(to_hash)), "to_point", -1);

	values = palloc0(sizeof(Datum) * desc->natts);
	nulls = palloc0(sizeof(bool) * desc->natts);
	replace = palloc0(sizeof(bool) * desc->natts);
	att = get_attnum(RelationGetRelid(rel), "from_hash");
	values[att - 1] = CStringGetTextDatum(from_hash);
	replace[att - 1] = true;
	att = get_attnum(RelationGetRelid(rel), "to_hash");
	values[att - 1] = CStringGetTextDatum(to_hash);
	replace[att - 1] = true;
	att = get_attnum(RelationGetRelid(rel), "last_updated");
	values[att - 1] = TimestampTzGetDatum(measured);
	replace[att - 1] = true;
	return PointerGetDatum(heap_modify_tuple(tuple, desc, values, nulls, replace));
}

/*
 * booking.checked_point(point, name): the point, once checked like the
 * arguments of the travel functions.
 */
PG_FUNCTION_INFO_V1(booking_checked_point);
Datum
booking_checked_point(PG_FUNCTION_ARGS)
{
	TravelPoint p;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));

	booking_point_from_geography(PG_GETARG_DATUM(0), name, &p);
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
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
