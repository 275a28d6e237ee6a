/*
 * src/travel_cache.c
 *		The table booking.travel_time_cache: its valid entries found by a
 *		direct scan of its unique index, and the check trigger of the rows
 *		written to it.
 *
 * Cache entries are read with a direct scan of the unique index on
 * (org_id, from_hash, to_hash) under the active snapshot, not through SPI:
 * a lookup costs about a microsecond instead of the tens of an SQL query,
 * which is what lets the solver ask for every gap.  Because such a scan
 * does not apply row-level security, the callers filter on the org
 * themselves: the acting org for booking.travel_time(origin, ...), or the
 * org named by the caller of the administrative overload, whose EXECUTE
 * privilege is revoked from PUBLIC.
 */
#include "postgres.h"

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
#include "executor/tuptable.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "booking.h"
#include "core/travel.h"
#include "travel_time.h"

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

/* Whether the entry in slot is still valid: its valid_until is after now(). */
static bool
cache_row_valid(TupleTableSlot *slot)
{
	bool		isnull;

	return DatumGetTimestampTz(slot_getattr(slot, cache_table.valid_until, &isnull)) >
		GetCurrentTransactionStartTimestamp();
}

static void
read_cache_row(TupleTableSlot *slot, TravelCacheRow *row)
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

/* The order of cells (pointers to them, for qsort and bsearch) of targets. */
int
booking_travel_cell_cmp(const void *a, const void *b)
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
void
booking_travel_cache_scan(const pg_uuid_t *org, const char *from_hash,
						  const char *const *to_hashes, int nto_hashes,
						  void (*found) (const TravelCacheRow *row, void *arg), void *arg)
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
		TravelCacheRow row;

		if (!cache_row_valid(slot))
			continue;
		read_cache_row(slot, &row);
		if (nkeys == 2)
		{
			const char *key = row.to_hash;

			if (bsearch(&key, to_hashes, nto_hashes, sizeof(char *), booking_travel_cell_cmp) == NULL)
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
copy_first_row(const TravelCacheRow *row, void *arg)
{
	TravelCacheRow *out = arg;

	if (out->to_hash[0] == '\0')
		*out = *row;
}

/*
 * Find the valid cache entry of the cells of two distinct points into *row;
 * false when there is none (or the points are the same).
 */
bool
booking_travel_cache_find(const TravelOrg *t, const TravelPoint *from, const TravelPoint *to,
						  TravelCacheRow *row)
{
	char		from_hash[TRAVEL_GEOHASH_BUFSIZE];
	char		to_hash[TRAVEL_GEOHASH_BUFSIZE];
	const char *to_hashes[1] = {to_hash};

	if (from->lat == to->lat && from->lon == to->lon)
		return false;
	booking_travel_error(travel_geohash(from, t->precision, from_hash, sizeof(from_hash)), "origin", -1);
	booking_travel_error(travel_geohash(to, t->precision, to_hash, sizeof(to_hash)), "destination", -1);
	row->to_hash[0] = '\0';
	booking_travel_cache_scan(&t->org, from_hash, to_hashes, 1, copy_first_row, row);
	return row->to_hash[0] != '\0';
}

/*
 * A scan of the cache for one pair of cells at a time, opened once and
 * rescanned for each pair (the solver's lookups, src/travel_time.c).
 */
struct TravelCacheScan
{
	Relation	rel;
	Relation	idx;
	TupleTableSlot *slot;
	IndexScanDesc scan;
};

TravelCacheScan *
booking_travel_cache_open(void)
{
	TravelCacheScan *s = palloc(sizeof(TravelCacheScan));

	cache_table_init();
	s->rel = table_open(cache_table.relid, AccessShareLock);
	s->idx = index_open(cache_table.indexid, AccessShareLock);
	s->slot = table_slot_create(s->rel, NULL);
	s->scan = index_beginscan(s->rel, s->idx, GetActiveSnapshot(), 3, 0);
	return s;
}

/* The valid entry of org from from_hash to to_hash into *row; false if none. */
bool
booking_travel_cache_pair(TravelCacheScan *s, const pg_uuid_t *org, const char *from_hash,
						  const char *to_hash, TravelCacheRow *row)
{
	ScanKeyData keys[3];

	init_key(&keys[0], s->idx, 1, F_UUID_EQ, UUIDPGetDatum(org));
	init_key(&keys[1], s->idx, 2, F_TEXTEQ, CStringGetTextDatum(from_hash));
	init_key(&keys[2], s->idx, 3, F_TEXTEQ, CStringGetTextDatum(to_hash));
	index_rescan(s->scan, keys, 3, NULL, 0);
	while (index_getnext_slot(s->scan, ForwardScanDirection, s->slot))
	{
		if (!cache_row_valid(s->slot))
			continue;
		read_cache_row(s->slot, row);
		return true;			/* the index is unique */
	}
	return false;
}

/* Close a scan; call it once when done with it. */
void
booking_travel_cache_close(TravelCacheScan *s)
{
	index_endscan(s->scan);
	ExecDropSingleTupleTableSlot(s->slot);
	index_close(s->idx, AccessShareLock);
	table_close(s->rel, AccessShareLock);
	pfree(s);
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
