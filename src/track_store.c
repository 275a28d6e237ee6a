/*
 * src/track_store.c
 *		booking.trip_point_store(org, trip, ts[], lat[], lng[], speed_kph[],
 *		accuracy_m[]): writes one trip's fixes into the monthly partitions of
 *		booking.trip_point the way COPY writes a table: the rows are formed
 *		in C, written a page at a time (table_multi_insert) and their index
 *		entries made directly, with no executor node, per-row trigger,
 *		transition table or partition routing per row.  It is what
 *		booking.ingest_fixes stores a batch with.
 *
 *		What an INSERT into booking.trip_point by the caller would check is
 *		checked here, once per call where it is per trip, per row where it
 *		is per row:
 *		  - the caller's INSERT privilege on booking.trip_point (42501);
 *		  - the trip, read as the caller (row-level security of booking.trip
 *			applies) and locked FOR KEY SHARE as the reference check
 *			tg_trip_point_refs locks it: absent, 23503;
 *		  - where row-level security applies to the caller, the acting org
 *			(a1_org_guard: 42501) and the write policy of trip_point,
 *			trip_point_instructor_write (staff, or the trip's resource is one
 *			of the acting user's: 42501);
 *		  - the points carry the trip's resource and client (what
 *			trip_point_refs checks and trip_point_carry fills in);
 *		  - each fix: a finite time, a finite latitude and longitude in range
 *			(22G01), then the partition's NOT NULL and CHECK constraints and
 *			its bound (ExecConstraints, ExecPartitionCheck), and the unique
 *			key (org_id, trip_id, ts) of its index (23505).
 *		Each fix's partition is booking.trip_point_partition(ts), made if
 *		missing; id is the identity's next value.  Distributed (Citus), the
 *		rows go into the org's shard of that partition, which must be on
 *		this node (booking.ingest_fixes_on runs there).
 */
#include "postgres.h"

#include <math.h>

#include "access/heapam.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "commands/sequence.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "booking.h"
#include "errcodes.h"

/* rows formed before they are written, as COPY buffers them */
#define STORE_BATCH 1000

#define WGS84_SRID 4326

/* PostGIS functions that make a fix's point, looked up once per backend */
typedef struct StorePostgis
{
	bool		ready;
	FmgrInfo	makepoint;		/* st_makepoint(float8, float8) */
	FmgrInfo	setsrid;		/* st_setsrid(geometry, int4) */
	FmgrInfo	to_geography;	/* geography(geometry) */
} StorePostgis;

static StorePostgis store_postgis;
static SPIPlanPtr store_trip_plan = NULL;
static SPIPlanPtr store_partition_plan = NULL;
static SPIPlanPtr store_shard_plan = NULL;

static void
store_lookup(FmgrInfo *finfo, const char *nspname, const char *name, int nargs, Oid *argtypes)
{
	List	   *qname = list_make2(makeString(pstrdup(nspname)), makeString(pstrdup(name)));
	Oid			fn = LookupFuncName(qname, nargs, argtypes, false);

	fmgr_info_cxt(fn, finfo, TopMemoryContext);
}

static void
store_postgis_init(void)
{
	Oid			nsp;
	char	   *nspname;
	Oid			geometry;
	Oid			args[2];
	bool		isnull;

	if (store_postgis.ready)
		return;
	if (SPI_execute("SELECT extnamespace FROM pg_catalog.pg_extension"
					" WHERE extname OPERATOR(pg_catalog.=) 'postgis'", true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "extension postgis is not installed");
	nsp = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	nspname = get_namespace_name(nsp);
	geometry = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
							   CStringGetDatum("geometry"), ObjectIdGetDatum(nsp));
	if (!OidIsValid(geometry))
		elog(ERROR, "type geometry of postgis not found");
	args[0] = FLOAT8OID;
	args[1] = FLOAT8OID;
	store_lookup(&store_postgis.makepoint, nspname, "st_makepoint", 2, args);
	args[0] = geometry;
	args[1] = INT4OID;
	store_lookup(&store_postgis.setsrid, nspname, "st_setsrid", 2, args);
	store_lookup(&store_postgis.to_geography, nspname, "geography", 1, args);
	store_postgis.ready = true;
}

static SPIPlanPtr
store_plan(SPIPlanPtr *cache, const char *sql, int nargs, Oid *types)
{
	if (*cache == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare(sql, nargs, types);

		if (plan == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		*cache = plan;
	}
	return *cache;
}

/*
 * Distributed by Citus (booking.distribute()), trip_point's rows live in
 * the shards on the workers: the partitions of booking.trip_point there are
 * shells, and a month's rows of an org go into the shard of that month's
 * partition for the org.  booking.ingest_fixes runs on the worker holding
 * the org (booking.ingest_fixes_on, a delegated function), so that shard
 * is a table of this node; elsewhere (the coordinator) the store refuses.
 */
static bool
store_distributed(void)
{
	bool		isnull;
	bool		d;

	if (!OidIsValid(get_extension_oid("citus", true)))
		return false;
	if (SPI_execute("SELECT booking.is_distributed()", true, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "trip_point_store: booking.is_distributed() failed");
	d = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	return !isnull && d;
}

/* the month (UTC) of a time, as year * 12 + month - 1 */
static int
store_month(TimestampTz ts)
{
	struct pg_tm tm;
	fsec_t		fsec;

	if (timestamp2tm(ts, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return tm.tm_year * 12 + tm.tm_mon - 1;
}

/* one open partition and the rows formed for it */
typedef struct StorePart
{
	Relation	rel;
	ResultRelInfo *rri;
	TupleTableSlot *slots[STORE_BATCH];
	int			nslots;			/* slots made */
	int			n;				/* rows waiting */
	int			month;
	BulkInsertState bistate;
} StorePart;

/* write the waiting rows: the heap a page at a time, then their index entries */
static void
store_flush(StorePart *p, EState *estate, MemoryContext rowcxt)
{
	int			i;

	if (p->n == 0)
		return;
	for (i = 0; i < p->n; i++)
	{
		ExecConstraints(p->rri, p->slots[i], estate);
		ExecPartitionCheck(p->rri, p->slots[i], estate, true);
	}
	table_multi_insert(p->rel, p->slots, p->n, GetCurrentCommandId(true), 0, p->bistate);
	for (i = 0; i < p->n; i++)
	{
		List	   *recheck;

		recheck = ExecInsertIndexTuples(p->rri, p->slots[i], estate, false, false, NULL, NIL);
		list_free(recheck);
		ExecClearTuple(p->slots[i]);
		ResetPerTupleExprContext(estate);
	}
	p->n = 0;
	MemoryContextReset(rowcxt);
}

static void
store_close(StorePart *p, EState *estate, MemoryContext rowcxt)
{
	int			i;

	if (p->rel == NULL)
		return;
	store_flush(p, estate, rowcxt);
	for (i = 0; i < p->nslots; i++)
		ExecDropSingleTupleTableSlot(p->slots[i]);
	p->nslots = 0;
	ExecCloseIndices(p->rri);
	FreeBulkInsertState(p->bistate);
	table_close(p->rel, NoLock);
	p->rel = NULL;
}

static void
store_open(StorePart *p, Oid parent, TimestampTz ts, int month, bool distributed, Datum org)
{
	Datum		arg = TimestampTzGetDatum(ts);
	Oid			type = TIMESTAMPTZOID;
	Oid			part,
				shard;
	bool		isnull;
	int			rc;

	/*
	 * The month's partition by its name (trip_point_YYYY_MM), else made by
	 * booking.trip_point_partition.  Distributed, the coordinator made it
	 * before the call came here (booking.ingest_delegated), and the name
	 * finds the shell.
	 */
	if (month >= 12000)
	{
		char		name[NAMEDATALEN];
		Oid			nsp = get_namespace_oid("booking_trip_point", true);

		snprintf(name, sizeof(name), "trip_point_%04d_%02d", month / 12, month % 12 + 1);
		part = OidIsValid(nsp) ? get_relname_relid(name, nsp) : InvalidOid;
		if (!OidIsValid(part) && OidIsValid(nsp))
		{
			/* made by another transaction since this one looked (Citus) */
			AcceptInvalidationMessages();
			part = get_relname_relid(name, nsp);
		}
	}
	else
		part = InvalidOid;
	isnull = false;
	if (!OidIsValid(part))
	{
		rc = SPI_execute_plan(store_plan(&store_partition_plan,
										 "SELECT booking.trip_point_partition($1)::pg_catalog.oid",
										 1, &type),
							  &arg, NULL, false, 1);
		if (rc != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "trip_point_store: booking.trip_point_partition failed");
		part = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	}
	if (isnull || get_partition_parent(part, false) != parent)
		elog(ERROR, "trip_point_store: %u is not a partition of booking.trip_point", part);
	if (distributed)
	{
		/* the org's shard of that partition, a table of this node */
		Oid			types[2] = {OIDOID, UUIDOID};
		Datum		args[2];

		Oid			save_userid;
		int			save_sec;
		HeapTuple	reltup;
		Oid			owner;

		/*
		 * as the partition's owner: Citus's look-up wants rights on the
		 * partition, which the application has only through the parent
		 * (what it writes was checked above, as the caller)
		 */
		reltup = SearchSysCache1(RELOID, ObjectIdGetDatum(part));
		if (!HeapTupleIsValid(reltup))
			elog(ERROR, "trip_point_store: partition %u not found", part);
		owner = ((Form_pg_class) GETSTRUCT(reltup))->relowner;
		ReleaseSysCache(reltup);
		GetUserIdAndSecContext(&save_userid, &save_sec);
		SetUserIdAndSecContext(owner, save_sec | SECURITY_LOCAL_USERID_CHANGE);
		args[0] = ObjectIdGetDatum(part);
		args[1] = org;
		rc = SPI_execute_plan(store_plan(&store_shard_plan,
										 "SELECT pg_catalog.to_regclass(pg_catalog.shard_name($1::pg_catalog.regclass,"
										 " pg_catalog.get_shard_id_for_distribution_column($1::pg_catalog.regclass, $2)))::pg_catalog.oid",
										 2, types),
							  args, NULL, false, 1);
		SetUserIdAndSecContext(save_userid, save_sec);
		if (rc != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "trip_point_store: the shard of %s failed", get_rel_name(part));
		shard = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("trip_point_store writes on the node that holds the org's shards"),
					 errdetail("booking is distributed (Citus) and the shard of %s for org %s is not on this node.",
							   get_rel_name(part), DatumGetCString(DirectFunctionCall1(uuid_out, org))),
					 errhint("Ingest with booking.ingest_trip_points or booking.ingest_staged, which run on that node.")));
		part = shard;
	}
	p->rel = table_open(part, RowExclusiveLock);
	p->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(p->rri, p->rel, 0, NULL, 0);
	ExecOpenIndices(p->rri, false);
	p->bistate = GetBulkInsertState();
	p->month = month;
	p->n = 0;
	p->nslots = 0;
}

static int
store_attno(TupleDesc desc, const char *name)
{
	int			attno = SPI_fnumber(desc, name);

	if (attno <= 0)
		elog(ERROR, "trip_point_store: booking.trip_point has no column %s", name);
	return attno - 1;
}

/* the elements of a float8[] argument (NULL: all NULL) */
static void
store_floats(ArrayType *a, int n, Datum **values, bool **nulls, const char *what)
{
	int			len;

	if (a == NULL)
	{
		*values = NULL;
		*nulls = NULL;
		return;
	}
	deconstruct_array(a, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, values, nulls, &len);
	if (len != n)
		ereport(ERROR,
				(errcode(ERRCODE_22G05_TRACK_LENGTHS),
				 errmsg("fix arrays differ in length"),
				 errdetail("%d times, %d %s.", n, len, what)));
}

PG_FUNCTION_INFO_V1(booking_trip_point_store);
Datum
booking_trip_point_store(PG_FUNCTION_ARGS)
{
	Datum		org,
				trip;
	Datum	   *ts,
			   *lat,
			   *lng,
			   *speed,
			   *acc;
	bool	   *ts_null,
			   *lat_null,
			   *lng_null,
			   *speed_null,
			   *acc_null;
	int			n,
				i;
	Oid			nsp,
				parent;
	Oid			seq;
	TupleDesc	pdesc;
	int			a_org,
				a_id,
				a_trip,
				a_ts,
				a_point,
				a_speed,
				a_res,
				a_cli,
				a_acc;
	Datum		res = (Datum) 0,
				cli = (Datum) 0;
	bool		res_null,
				cli_null;
	Oid			argtypes[2] = {UUIDOID, UUIDOID};
	Datum		args[2];
	int			rc;
	EState	   *estate;
	MemoryContext rowcxt,
				oldcxt;
	StorePart	part;
	int			natts;
	bool		distributed;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_23G02_TRIP_NOT_FOUND),
				 errmsg("trip not found"),
				 errdetail("The org or the trip is NULL.")));
	org = PG_GETARG_DATUM(0);
	trip = PG_GETARG_DATUM(1);
	if (PG_ARGISNULL(2) || PG_ARGISNULL(3) || PG_ARGISNULL(4))
		PG_RETURN_INT32(0);
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(2), TIMESTAMPTZOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE,
					  &ts, &ts_null, &n);
	store_floats(PG_GETARG_ARRAYTYPE_P(3), n, &lat, &lat_null, "latitudes");
	store_floats(PG_GETARG_ARRAYTYPE_P(4), n, &lng, &lng_null, "longitudes");
	store_floats(PG_ARGISNULL(5) ? NULL : PG_GETARG_ARRAYTYPE_P(5), n, &speed, &speed_null, "speeds");
	store_floats(PG_ARGISNULL(6) ? NULL : PG_GETARG_ARRAYTYPE_P(6), n, &acc, &acc_null, "accuracies");
	if (n == 0)
		PG_RETURN_INT32(0);

	/* the caller may insert into booking.trip_point */
	nsp = get_namespace_oid("booking", false);
	parent = get_relname_relid("trip_point", nsp);
	if (!OidIsValid(parent))
		elog(ERROR, "trip_point_store: booking.trip_point not found");
	if (pg_class_aclcheck(parent, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		aclcheck_error(ACLCHECK_NO_PRIV, OBJECT_TABLE, "trip_point");

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	store_postgis_init();

	/* the trip, as the caller sees it, locked as the reference check locks it */
	args[0] = org;
	args[1] = trip;
	rc = SPI_execute_plan(store_plan(&store_trip_plan,
									 "SELECT t.resource_id, t.client_id,"
									 " $1 OPERATOR(pg_catalog.=) booking.current_org_id(),"
									 " booking.current_org_id() IS NULL,"
									 " booking.acting_is_staff()"
									 "   OR t.resource_id OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids())"
									 " FROM booking.trip t"
									 " WHERE t.org_id OPERATOR(pg_catalog.=) $1 AND t.id OPERATOR(pg_catalog.=) $2"
									 " FOR KEY SHARE OF t",
									 2, argtypes),
						  args, NULL, false, 1);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "trip_point_store: trip look-up failed (%d)", rc);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("insert or update on table \"trip_point\" violates its reference to table \"trip\""),
				 errdetail("Trip %s is not present in org %s.",
						   DatumGetCString(DirectFunctionCall1(uuid_out, trip)),
						   DatumGetCString(DirectFunctionCall1(uuid_out, org)))));
	{
		HeapTuple	row = SPI_tuptable->vals[0];
		TupleDesc	rdesc = SPI_tuptable->tupdesc;
		bool		isnull;
		bool		same_org,
					no_identity,
					may_write;
		MemoryContext spicxt = MemoryContextSwitchTo(CurTransactionContext);

		res = SPI_getbinval(row, rdesc, 1, &res_null);
		cli = SPI_getbinval(row, rdesc, 2, &cli_null);
		if (!res_null)
			res = datumCopy(res, false, UUID_LEN);
		if (!cli_null)
			cli = datumCopy(cli, false, UUID_LEN);
		MemoryContextSwitchTo(spicxt);
		same_org = DatumGetBool(SPI_getbinval(row, rdesc, 3, &isnull));
		same_org = !isnull && same_org;
		no_identity = DatumGetBool(SPI_getbinval(row, rdesc, 4, &isnull));
		may_write = DatumGetBool(SPI_getbinval(row, rdesc, 5, &isnull));
		may_write = !isnull && may_write;
		if (check_enable_rls(parent, InvalidOid, false) == RLS_ENABLED)
		{
			if (no_identity)
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("writing to table \"trip_point\" needs an identity"),
						 errhint("Call booking.act_as(org_id, user_id) in the same transaction first.")));
			if (!same_org)
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("new row violates row-level security policy for table \"trip_point\""),
						 errdetail("The row's org is not the acting org.")));
			if (!may_write)
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("new row violates row-level security policy for table \"trip_point\""),
						 errdetail("Only staff and the trip's instructor write its points.")));
		}
	}

	{
		Relation	prel = table_open(parent, AccessShareLock);

		pdesc = CreateTupleDescCopy(RelationGetDescr(prel));
		table_close(prel, NoLock);
	}
	a_org = store_attno(pdesc, "org_id");
	a_id = store_attno(pdesc, "id");
	a_trip = store_attno(pdesc, "trip_id");
	a_ts = store_attno(pdesc, "ts");
	a_point = store_attno(pdesc, "point");
	a_speed = store_attno(pdesc, "speed_kph");
	a_res = store_attno(pdesc, "resource_id");
	a_cli = store_attno(pdesc, "client_id");
	a_acc = store_attno(pdesc, "accuracy_m");
	seq = getIdentitySequence(parent, a_id + 1, false);

	/* every fix has a finite time and coordinates in range, before any is written */
	for (i = 0; i < n; i++)
	{
		double		la,
					lo;

		if (ts_null[i] || lat_null[i] || lng_null[i])
			ereport(ERROR,
					(errcode(ERRCODE_22G01_TRACK_BAD_FIX),
					 errmsg("bad fix"),
					 errdetail("Fix %d has no time, latitude or longitude.", i + 1)));
		la = DatumGetFloat8(lat[i]);
		lo = DatumGetFloat8(lng[i]);
		if (TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(ts[i])) || !isfinite(la) || !isfinite(lo) ||
			la < -90.0 || la > 90.0 || lo < -180.0 || lo > 180.0)
			ereport(ERROR,
					(errcode(ERRCODE_22G01_TRACK_BAD_FIX),
					 errmsg("bad fix"),
					 errdetail("Fix %d has an infinite time or a latitude or longitude that is not finite or out of range.", i + 1)));
	}

	distributed = store_distributed();
	estate = CreateExecutorState();
	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "trip_point_store rows",
								   ALLOCSET_DEFAULT_SIZES);
	memset(&part, 0, sizeof(part));
	part.month = -1;

	for (i = 0; i < n; i++)
	{
		TimestampTz t;
		double		la,
					lo;
		int			month;
		TupleTableSlot *slot;
		Datum		geom;

		CHECK_FOR_INTERRUPTS();
		t = DatumGetTimestampTz(ts[i]);
		la = DatumGetFloat8(lat[i]);
		lo = DatumGetFloat8(lng[i]);
		month = store_month(t);
		if (month != part.month)
		{
			store_close(&part, estate, rowcxt);
			store_open(&part, parent, t, month, distributed, org);
			if (RelationGetDescr(part.rel)->natts != pdesc->natts)
				elog(ERROR, "trip_point_store: partition %s has other columns than booking.trip_point",
					 RelationGetRelationName(part.rel));
		}
		if (part.n == part.nslots)
			part.slots[part.nslots++] = table_slot_create(part.rel, NULL);
		slot = part.slots[part.n];
		ExecClearTuple(slot);
		natts = slot->tts_tupleDescriptor->natts;
		oldcxt = MemoryContextSwitchTo(rowcxt);
		memset(slot->tts_isnull, true, natts * sizeof(bool));
		slot->tts_values[a_org] = org;
		slot->tts_isnull[a_org] = false;
		slot->tts_values[a_id] = Int64GetDatum(nextval_internal(seq, false));
		slot->tts_isnull[a_id] = false;
		slot->tts_values[a_trip] = trip;
		slot->tts_isnull[a_trip] = false;
		slot->tts_values[a_ts] = ts[i];
		slot->tts_isnull[a_ts] = false;
		geom = FunctionCall2(&store_postgis.makepoint, Float8GetDatum(lo), Float8GetDatum(la));
		geom = FunctionCall2(&store_postgis.setsrid, geom, Int32GetDatum(WGS84_SRID));
		slot->tts_values[a_point] = FunctionCall1(&store_postgis.to_geography, geom);
		slot->tts_isnull[a_point] = false;
		if (speed != NULL && !speed_null[i])
		{
			slot->tts_values[a_speed] = speed[i];
			slot->tts_isnull[a_speed] = false;
		}
		if (acc != NULL && !acc_null[i])
		{
			slot->tts_values[a_acc] = acc[i];
			slot->tts_isnull[a_acc] = false;
		}
		slot->tts_values[a_res] = res;
		slot->tts_isnull[a_res] = res_null;
		slot->tts_values[a_cli] = cli;
		slot->tts_isnull[a_cli] = cli_null;
		ExecStoreVirtualTuple(slot);
		MemoryContextSwitchTo(oldcxt);
		if (++part.n == STORE_BATCH)
			store_flush(&part, estate, rowcxt);
	}
	store_close(&part, estate, rowcxt);
	FreeExecutorState(estate);
	MemoryContextDelete(rowcxt);
	SPI_finish();
	PG_RETURN_INT32(n);
}
