/*
 * src/track_refs.c
 *		booking.tg_trip_point_follow(): the actions of the foreign keys that
 *		booking.trip_point no longer has (its references to booking.trip are
 *		checked once per statement by booking.tg_trip_point_refs()).  An
 *		AFTER ROW trigger on booking.trip:
 *
 *		  DELETE		the trip's points are deleted (ON DELETE CASCADE);
 *		  UPDATE		a new resource or client is carried to the points
 *						(ON UPDATE CASCADE); a new org_id or id while points
 *						use the old one is refused with 23503 (NO ACTION).
 *
 *		Like PostgreSQL's referential actions (ri_triggers.c), the points are
 *		found with the latest snapshot, so that a repeatable-read transaction
 *		also reaches the points that a concurrent transaction committed after
 *		its snapshot was taken (with its snapshot as the cross-check, such a
 *		point that it cannot see makes it fail with a serialisation error
 *		instead of being missed), and are written as the table's owner with
 *		row-level security off.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "booking.h"

static SPIPlanPtr follow_delete_plan = NULL;
static SPIPlanPtr follow_update_plan = NULL;
static SPIPlanPtr follow_exists_plan = NULL;

static SPIPlanPtr
follow_plan(SPIPlanPtr *cache, const char *sql, int nargs)
{
	Oid			types[4] = {UUIDOID, UUIDOID, UUIDOID, UUIDOID};

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

/* run one of the plans on trip_point as its owner, row-level security off */
static uint64
follow_run(Relation trip, SPIPlanPtr *cache, const char *sql, int nargs,
		   Datum *values, int expect, long limit)
{
	Oid			save_userid;
	int			save_sec_context;
	Snapshot	test_snapshot = InvalidSnapshot;
	Snapshot	crosscheck_snapshot = InvalidSnapshot;
	int			rc;
	SPIPlanPtr	plan;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(RelationGetForm(trip)->relowner,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
	plan = follow_plan(cache, sql, nargs);
	if (IsolationUsesXactSnapshot())
	{
		CommandCounterIncrement();
		test_snapshot = GetLatestSnapshot();
		crosscheck_snapshot = GetTransactionSnapshot();
	}
	rc = SPI_execute_snapshot(plan, values, NULL, test_snapshot, crosscheck_snapshot,
							  false, false, limit);
	SetUserIdAndSecContext(save_userid, save_sec_context);
	if (rc != expect)
		elog(ERROR, "trip_point_follow: unexpected SPI result %d", rc);
	return SPI_processed;
}

static Datum
follow_attr(HeapTuple tuple, TupleDesc desc, const char *name, bool *isnull)
{
	int			attno = SPI_fnumber(desc, name);

	if (attno <= 0)
		elog(ERROR, "trip_point_follow: booking.trip has no column %s", name);
	return SPI_getbinval(tuple, desc, attno, isnull);
}

static bool
follow_same(Datum a, bool anull, Datum b, bool bnull)
{
	if (anull || bnull)
		return anull == bnull;
	return DatumGetBool(DirectFunctionCall2(uuid_eq, a, b));
}

/* trigger on booking.trip: the actions of trip_point's references */
PG_FUNCTION_INFO_V1(booking_tg_trip_point_follow);
Datum
booking_tg_trip_point_follow(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	old;
	Datum		values[4];
	bool		n1,
				n2,
				n3,
				n4;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("booking.tg_trip_point_follow() must be called as a trigger")));
	if (!TRIGGER_FIRED_AFTER(trigdata->tg_event) || !TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) || TRIGGER_FIRED_BY_TRUNCATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("booking.tg_trip_point_follow() must fire AFTER UPDATE OR DELETE FOR EACH ROW")));

	desc = RelationGetDescr(trigdata->tg_relation);
	old = trigdata->tg_trigtuple;
	values[0] = follow_attr(old, desc, "org_id", &n1);
	values[1] = follow_attr(old, desc, "id", &n2);
	if (n1 || n2)
		return PointerGetDatum(NULL);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	if (TRIGGER_FIRED_BY_DELETE(trigdata->tg_event))
	{
		follow_run(trigdata->tg_relation, &follow_delete_plan,
				   "DELETE FROM booking.trip_point p"
				   " WHERE p.org_id OPERATOR(pg_catalog.=) $1 AND p.trip_id OPERATOR(pg_catalog.=) $2",
				   2, values, SPI_OK_DELETE, 0);
	}
	else
	{
		HeapTuple	new = trigdata->tg_newtuple;
		Datum		org = follow_attr(new, desc, "org_id", &n3);
		Datum		id = follow_attr(new, desc, "id", &n4);
		bool		ro,
					rn,
					co,
					cn;
		Datum		res_old = follow_attr(old, desc, "resource_id", &ro);
		Datum		res_new = follow_attr(new, desc, "resource_id", &rn);
		Datum		cli_old = follow_attr(old, desc, "client_id", &co);
		Datum		cli_new = follow_attr(new, desc, "client_id", &cn);

		if (!follow_same(values[0], false, org, n3) || !follow_same(values[1], false, id, n4))
		{
			if (follow_run(trigdata->tg_relation, &follow_exists_plan,
						   "SELECT 1 FROM booking.trip_point p"
						   " WHERE p.org_id OPERATOR(pg_catalog.=) $1 AND p.trip_id OPERATOR(pg_catalog.=) $2"
						   " FOR KEY SHARE OF p",
						   2, values, SPI_OK_SELECT, 1) > 0)
				ereport(ERROR,
						(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
						 errmsg("update on table \"trip\" changes the key of a trip that has points"),
						 errdetail("Trip %s of org %s is still referenced from table \"trip_point\".",
								   DatumGetCString(DirectFunctionCall1(uuid_out, values[1])),
								   DatumGetCString(DirectFunctionCall1(uuid_out, values[0])))));
		}
		else if (!follow_same(res_old, ro, res_new, rn) || !follow_same(cli_old, co, cli_new, cn))
		{
			char		nulls[4] = {' ', ' ', rn ? 'n' : ' ', cn ? 'n' : ' '};
			Oid			save_userid;
			int			save_sec_context;
			Snapshot	test_snapshot = InvalidSnapshot;
			Snapshot	crosscheck_snapshot = InvalidSnapshot;
			SPIPlanPtr	plan;
			int			rc;

			values[2] = res_new;
			values[3] = cli_new;
			GetUserIdAndSecContext(&save_userid, &save_sec_context);
			SetUserIdAndSecContext(RelationGetForm(trigdata->tg_relation)->relowner,
								   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
								   SECURITY_NOFORCE_RLS);
			plan = follow_plan(&follow_update_plan,
							   "UPDATE booking.trip_point p SET resource_id = $3, client_id = $4"
							   " WHERE p.org_id OPERATOR(pg_catalog.=) $1 AND p.trip_id OPERATOR(pg_catalog.=) $2",
							   4);
			if (IsolationUsesXactSnapshot())
			{
				CommandCounterIncrement();
				test_snapshot = GetLatestSnapshot();
				crosscheck_snapshot = GetTransactionSnapshot();
			}
			rc = SPI_execute_snapshot(plan, values, nulls, test_snapshot, crosscheck_snapshot,
									  false, false, 0);
			SetUserIdAndSecContext(save_userid, save_sec_context);
			if (rc != SPI_OK_UPDATE)
				elog(ERROR, "trip_point_follow: unexpected SPI result %d", rc);
		}
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}
