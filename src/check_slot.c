/*
 * src/check_slot.c
 *		booking.check_slot(): the write path's check of one appointment by
 *		exactly the rules of booking.available_slots(), with a SQLSTATE for
 *		each reason (src/errcodes.h) and the reasons an owner or admin may
 *		override.  The write trigger that calls it is in 45_write_path.sql
 *		(under sql/).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "booking.h"
#include "core/slots.h"
#include "errcodes.h"
#include "solver.h"

/*
 * Every reason of slots_explain() has its SQLSTATE (src/errcodes.h; the
 * README lists them); those an owner or admin may override are the working
 * hours (and the grid of start times), the notice, the horizon and the daily
 * maximum, never an overlap, a buffer or a travel gap.
 */
static int
reason_sqlstate(SlotsReason reason)
{
	switch (reason)
	{
		case SLOTS_REASON_OUTSIDE_HOURS:
		case SLOTS_REASON_OUTSIDE_RANGE:
			return ERRCODE_23K06_OUTSIDE_HOURS;
		case SLOTS_REASON_DAY_OFF:
			return ERRCODE_23K07_DAY_OFF;
		case SLOTS_REASON_EXCEPTION_HOURS:
			return ERRCODE_23K08_EXCEPTION_HOURS;
		case SLOTS_REASON_IN_BREAK:
			return ERRCODE_23K09_IN_BREAK;
		case SLOTS_REASON_OFF_GRID:
			return ERRCODE_23K10_OFF_GRID;
		case SLOTS_REASON_NOTICE:
			return ERRCODE_23K11_NOTICE;
		case SLOTS_REASON_HORIZON:
			return ERRCODE_23K12_HORIZON;
		case SLOTS_REASON_DAILY_MAXIMUM:
			return ERRCODE_23K13_DAILY_MAXIMUM;
		case SLOTS_REASON_OVERLAP:
		case SLOTS_REASON_BUFFER_FROM:
		case SLOTS_REASON_BUFFER_TO:
			return ERRCODE_EXCLUSION_VIOLATION;
		case SLOTS_REASON_TRAVEL_FROM:
			return ERRCODE_23K14_TRAVEL_FROM;
		case SLOTS_REASON_TRAVEL_TO:
			return ERRCODE_23K15_TRAVEL_TO;
	}
	return ERRCODE_23K06_OUTSIDE_HOURS;
}

static bool
reason_overridable(SlotsReason reason)
{
	switch (reason)
	{
		case SLOTS_REASON_OUTSIDE_HOURS:
		case SLOTS_REASON_DAY_OFF:
		case SLOTS_REASON_EXCEPTION_HOURS:
		case SLOTS_REASON_IN_BREAK:
		case SLOTS_REASON_OFF_GRID:
		case SLOTS_REASON_NOTICE:
		case SLOTS_REASON_HORIZON:
		case SLOTS_REASON_DAILY_MAXIMUM:
			return true;
		default:
			return false;
	}
}

/*
 * booking.check_slot(org_id, booking_id, resource_id, service_id, starts_at,
 *					  pickup, dropoff, may_override) -> text[]
 *
 * Judges the appointment by exactly the rules of available_slots, against
 * every other busy item of the resource (the booking itself left out), with
 * the booking's own pickup and dropoff (a NULL dropoff: its pickup).  Raises
 * the gravest refused reason's SQLSTATE (the first that nobody may
 * override, else the first) with every refused reason as the
 * detail; with may_override, the overridable reasons are not refused but
 * returned (their names), for the caller to record.
 */
PG_FUNCTION_INFO_V1(booking_check_slot);
Datum
booking_check_slot(PG_FUNCTION_ARGS)
{
	SolveInput *in;
	ResourceInput *r;
	SlotsExplanation out[64];
	size_t		n;
	bool		truncated;
	size_t		k;
	TimestampTz start;
	bool		may_override;
	StringInfoData refused;
	bool		figures;
	int			code = 0;
	bool		code_overridable = true;
	ArrayBuildState *overridden;

	for (k = 0; k < 5; k++)
		if (PG_ARGISNULL(k))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("org_id, booking_id, resource_id, service_id and starts_at must not be null")));
	start = PG_GETARG_TIMESTAMPTZ(4);
	may_override = !PG_ARGISNULL(7) && PG_GETARG_BOOL(7);
	in = booking_solver_input_at(PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(2), PG_GETARG_UUID_P(3), start,
								 PG_ARGISNULL(5) ? (Datum) 0 : PG_GETARG_DATUM(5), PG_ARGISNULL(5),
								 PG_ARGISNULL(6) ? (Datum) 0 : PG_GETARG_DATUM(6), PG_ARGISNULL(6),
								 PG_GETARG_UUID_P(1));
	r = booking_solver_explain(in, start, out, lengthof(out), &n, &truncated);
	booking_solver_note_start(out, n, start);

	figures = booking_solver_may_see(r);
	initStringInfo(&refused);
	overridden = initArrayResult(TEXTOID, CurrentMemoryContext, false);
	for (k = 0; k < n; k++)
	{
		if (may_override && reason_overridable(out[k].reason))
		{
			accumArrayResult(overridden, CStringGetTextDatum(slots_reason_name(out[k].reason)),
							 false, TEXTOID, CurrentMemoryContext);
			continue;
		}
		/*
		 * The gravest reason gives the SQLSTATE: the first one nobody may
		 * override (an overlap on a day at its daily maximum is 23P01, not
		 * the 23K13 an admin could override), else the first (issue 19).
		 */
		if (code == 0 || (!reason_overridable(out[k].reason) && code_overridable))
		{
			code = reason_sqlstate(out[k].reason);
			code_overridable = reason_overridable(out[k].reason);
		}
		appendStringInfo(&refused, "%s%s", refused.len > 0 ? "; " : "", booking_solver_reason_text(in, r, &out[k], figures));
	}
	if (code != 0)
	{
		bool		overridable = true;

		for (k = 0; k < n; k++)
			overridable = overridable && reason_overridable(out[k].reason);
		ereport(ERROR,
				(errcode(code),
				 errmsg("resource %s cannot be booked at %s", booking_uuid_str(&r->id), booking_solver_local_str(in, start)),
				 errdetail("%s%s.", refused.data, truncated ? "; and more" : ""),
				 overridable && !may_override
				 ? errhint("See booking.available_slots(); an owner or admin may book it anyway with override_reason set.")
				 : errhint("See booking.available_slots() and booking.explain_slot().")));
	}
	PG_RETURN_DATUM(makeArrayResult(overridden, CurrentMemoryContext));
}
