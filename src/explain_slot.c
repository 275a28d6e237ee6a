/*
 * src/explain_slot.c
 *		booking.explain_slot(): every reason the solver refuses one start
 *		(or that it can be booked), as rows, and the sentence for each
 *		reason, which the write path's check (src/check_slot.c) puts in its
 *		errors too.
 */
#include "postgres.h"

#include <limits.h>

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#include "booking.h"
#include "core/slots.h"
#include "solver.h"

/*
 * The driving time of a travel reason: the solver counts at most
 * SLOTS_MAX_TRAVEL_MINUTES (what the write path's day locks cover), so a
 * longer drive is said to be at least that.
 */
static const char *
driving_text(int minutes)
{
	if (minutes >= SLOTS_MAX_TRAVEL_MINUTES)
		return psprintf("%d minutes driving or more, counted as %d", minutes, SLOTS_MAX_TRAVEL_MINUTES);
	return psprintf("%d minutes driving", minutes);
}

/*
 * A time as the org's local wall-clock time with its zone,
 * "YYYY-MM-DD HH:MI CET" (booking_local_time_str).
 */
char *
booking_solver_local_str(SolveInput *in, int64 t)
{
	return booking_local_time_str(in->tz, (TimestampTz) t);
}

/* The UTC offset (seconds east) of zone tz at instant t. */
static int
offset_at(pg_tz *tz, int64 t, struct pg_tm *tm)
{
	fsec_t		fsec;
	int			tzoff;

	if (timestamp2tm(t, &tzoff, tm, &fsec, NULL, tz) != 0)
		return INT_MIN;
	return -tzoff;
}

/*
 * Whether start falls in the first pass of a repeated hour (the clocks go
 * back later that night) at a wall-clock time that is a grid point: then
 * the grid's start of that wall-clock time is its second pass (rule 5 of
 * src/core/slots.h), returned as text; NULL otherwise.
 */
static char *
repeated_hour_second_pass(SolveInput *in, int64 start, int64 step)
{
	struct pg_tm tm;
	struct pg_tm later_tm;
	int			off = offset_at(in->tz, start, &tm);
	int			later;
	int64		second;
	int64		minute_of_day;

	if (off == INT_MIN || step <= 0)
		return NULL;
	minute_of_day = tm.tm_hour * 60 + tm.tm_min;
	if (tm.tm_sec != 0 || (minute_of_day * USECS_PER_MINUTE) % step != 0)
		return NULL;
	/* the offset a few hours on: smaller when the clocks go back meanwhile */
	later = offset_at(in->tz, start + 6 * USECS_PER_HOUR, &later_tm);
	if (later == INT_MIN || later >= off)
		return NULL;
	second = start + (int64) (off - later) * USECS_PER_SEC;
	if (offset_at(in->tz, second, &later_tm) != later ||
		later_tm.tm_hour != tm.tm_hour || later_tm.tm_min != tm.tm_min)
		return NULL;
	return booking_solver_local_str(in, second);
}

static int64
minutes_of(int64 us)
{
	return us >= 0 ? (us + USECS_PER_MINUTE - 1) / USECS_PER_MINUTE : -((-us) / USECS_PER_MINUTE);
}

/*
 * The lowercase sentence for one reason.  Without figures (a caller below
 * staff who is not the resource's own user) a buffer or travel reason says
 * what is missing but not how many minutes the neighbour leaves or how far
 * away it is: those minutes come from other people's bookings, and from a
 * few chosen pickup points the driving minutes locate a neighbour's dropoff
 * (issue 14).
 */
char *
booking_solver_reason_text(SolveInput *in, ResourceInput *r, const SlotsExplanation *x, bool figures)
{
	const char *what = "";

	if (x->item >= 0)
		what = r->busy_is_session[x->item] ? "session" : "booking";
	switch (x->reason)
	{
		case SLOTS_REASON_OUTSIDE_RANGE:
			return psprintf("outside the requested range %s to %s", booking_solver_local_str(in, x->from), booking_solver_local_str(in, x->to));
		case SLOTS_REASON_NOTICE:
			return psprintf("inside the notice period: the earliest start is %s", booking_solver_local_str(in, x->need));
		case SLOTS_REASON_HORIZON:
			return psprintf("beyond the booking horizon: the latest start is %s", booking_solver_local_str(in, x->need));
		case SLOTS_REASON_DAY_OFF:
			return pstrdup("day off (availability exception)");
		case SLOTS_REASON_OUTSIDE_HOURS:
			return pstrdup("outside working hours");
		case SLOTS_REASON_EXCEPTION_HOURS:
			return pstrdup("outside the hours of the availability exception of that day");
		case SLOTS_REASON_IN_BREAK:
			return psprintf("in a break from %s to %s", booking_solver_local_str(in, x->from), booking_solver_local_str(in, x->to));
		case SLOTS_REASON_OFF_GRID:
			{
				char	   *second = x->from != 0 ? repeated_hour_second_pass(in, x->from, x->need) : NULL;

				if (second != NULL)
					return psprintf("in the repeated hour (clocks go back): wall-clock %.5s happens twice and only its second pass, %s, is on the %lld-minute grid of start times",
									second + 11, second, (long long) minutes_of(x->need));
				return psprintf("not on the %lld-minute grid of start times", (long long) minutes_of(x->need));
			}
		case SLOTS_REASON_DAILY_MAXIMUM:
			return psprintf("daily maximum of %lld bookings reached (%lld that day)", (long long) x->need, (long long) x->have);
		case SLOTS_REASON_OVERLAP:
			return psprintf("conflicts with %s from %s to %s", what, booking_solver_local_str(in, x->from), booking_solver_local_str(in, x->to));
		case SLOTS_REASON_BUFFER_FROM:
			if (!figures)
				return psprintf("needs %lld minutes of buffer after the %s before it", (long long) minutes_of(x->need), what);
			return psprintf("needs %lld minutes of buffer after the %s before it but has %lld",
							(long long) minutes_of(x->need), what, (long long) (x->have / USECS_PER_MINUTE));
		case SLOTS_REASON_BUFFER_TO:
			if (!figures)
				return psprintf("needs %lld minutes of buffer before the %s after it", (long long) minutes_of(x->need), what);
			return psprintf("needs %lld minutes of buffer before the %s after it but has %lld",
							(long long) minutes_of(x->need), what, (long long) (x->have / USECS_PER_MINUTE));
		case SLOTS_REASON_TRAVEL_FROM:
			if (!figures)
				return psprintf("needs more time for travel from the %s before it", what);
			return psprintf("needs %lld minutes of travel from the %s before it (%s) but has %lld",
							(long long) minutes_of(x->need), what, driving_text(x->travel_minutes),
							(long long) (x->have / USECS_PER_MINUTE));
		case SLOTS_REASON_TRAVEL_TO:
			if (!figures)
				return psprintf("needs more time for travel to the %s after it", what);
			return psprintf("needs %lld minutes of travel to the %s after it (%s) but has %lld",
							(long long) minutes_of(x->need), what, driving_text(x->travel_minutes),
							(long long) (x->have / USECS_PER_MINUTE));
	}
	return pstrdup(slots_reason_name(x->reason));
}

/* Give the grid reasons their start, for the repeated-hour sentence. */
void
booking_solver_note_start(SlotsExplanation *out, size_t n, TimestampTz start)
{
	size_t		k;

	for (k = 0; k < n; k++)
		if (out[k].reason == SLOTS_REASON_OFF_GRID)
			out[k].from = start;
}

static void
bool_row(void *arg, Datum *values, bool *isnull)
{
	*(bool *) arg = !isnull[0] && DatumGetBool(values[0]);
}

/*
 * Whether the acting user sees what the solver knows of other people's
 * bookings around resource r (which booking is in the way, travel and
 * buffer minutes): staff, and the resource's own user.
 */
bool
booking_solver_may_see(ResourceInput *r)
{
	Datum		args[1] = {booking_uuid_datum(&r->id)};
	bool		may = false;

	SPI_connect();
	booking_solver_query(QUERY_MAY_NAME, args, NULL, bool_row, &may);
	SPI_finish();
	return may;
}

/* The eligibility problems of explain_slot, as rows of its result. */
typedef struct ProblemRows
{
	ReturnSetInfo *rsinfo;
	int			rows;
} ProblemRows;

static void
problem_row(void *arg, Datum *values, bool *isnull)
{
	ProblemRows *p = arg;
	Datum		out[4];
	bool		nulls[4] = {false, false, true, false};

	out[0] = CStringGetTextDatum("ineligible");
	out[1] = values[1];
	nulls[1] = isnull[1];
	out[2] = (Datum) 0;
	out[3] = values[0];
	nulls[3] = isnull[0];
	tuplestore_putvalues(p->rsinfo->setResult, p->rsinfo->setDesc, out, nulls);
	p->rows++;
}

/*
 * booking.explain_slot(resource_id, service_id, starts_at, pickup_point, client_id)
 *		-> SETOF (reason, detail, booking_id, rule_id)
 */
PG_FUNCTION_INFO_V1(booking_explain_slot);
Datum
booking_explain_slot(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SolveInput *in;
	ResourceInput *r;
	SlotsExplanation out[64];
	size_t		n;
	bool		truncated;
	size_t		k;
	TimestampTz start;
	bool		may_name;
	int			rows = 0;
	Datum		values[4];
	bool		nulls[4];

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("resource_id, service_id and starts_at must not be null")));
	start = PG_GETARG_TIMESTAMPTZ(2);
	in = booking_solver_input_at(NULL, PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1), start,
								 PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3), PG_ARGISNULL(3),
								 (Datum) 0, true, NULL);
	if (!PG_ARGISNULL(4))
		booking_solver_check_client(in, PG_GETARG_UUID_P(4), PG_GETARG_UUID_P(0));
	r = booking_solver_explain(in, start, out, lengthof(out), &n, &truncated);
	booking_solver_note_start(out, n, start);

	/*
	 * Conflicting bookings, and the minutes they leave, are named to staff
	 * and the resource's own user.
	 */
	may_name = booking_solver_may_see(r);

	InitMaterializedSRF(fcinfo, 0);
	if (in->outside_area != NULL)
	{
		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum("outside_service_area");
		values[1] = CStringGetTextDatum(psprintf("the %s is outside the org's service area", in->outside_area));
		nulls[2] = nulls[3] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		rows++;
	}
	for (k = 0; k < n; k++)
	{
		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum(slots_reason_name(out[k].reason));
		values[1] = CStringGetTextDatum(booking_solver_reason_text(in, r, &out[k], may_name));
		if (out[k].item >= 0 && may_name)
			values[2] = booking_uuid_datum(&r->busy_ids[out[k].item]);
		else
			nulls[2] = true;
		nulls[3] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		rows++;
	}
	if (!PG_ARGISNULL(4))
	{
		Datum		args[5];
		ProblemRows p;

		args[0] = booking_uuid_datum(&in->org);
		args[1] = booking_uuid_datum(&r->id);
		args[2] = booking_uuid_datum(&in->service);
		args[3] = PG_GETARG_DATUM(4);
		args[4] = DateADTGetDatum(booking_local_date(in->tz, start));
		p.rsinfo = rsinfo;
		p.rows = 0;
		SPI_connect();
		booking_solver_query(QUERY_PROBLEMS, args, NULL, problem_row, &p);
		SPI_finish();
		rows += p.rows;
	}
	if (rows == 0)
	{
		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum("bookable");
		values[1] = CStringGetTextDatum("the slot can be booked");
		nulls[2] = nulls[3] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
