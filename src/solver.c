/*
 * src/solver.c
 *		The availability solver over a SolveInput (src/solver_input.c):
 *		the core's request and solver for one resource, the travel times
 *		the core asks for, its errors as SQLSTATEs; and the functions that
 *		list: booking.available_slots(), booking.find_slots() and
 *		booking.free_time().
 *
 * Each pair of travel cells is looked up in the cache once per call (a
 * TravelLookup), and one solver workspace serves every resource of a call.
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/multirangetypes.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "booking.h"
#include "core/slots.h"
#include "solver.h"

/* Map a core error to an ereport. */
void
booking_solver_error(SlotsError err, const SlotsFault *fault)
{
	int			code;

	switch (err)
	{
		case SLOTS_OK:
			return;
		case SLOTS_ERR_RANGE_EMPTY:
			code = ERRCODE_DATA_EXCEPTION;
			break;
		case SLOTS_ERR_RANGE_TOO_LONG:
		case SLOTS_ERR_TOO_MANY_DAYS:
		case SLOTS_ERR_TOO_MANY_BUSY:
		case SLOTS_ERR_WINDOW_COUNT:
			code = ERRCODE_PROGRAM_LIMIT_EXCEEDED;
			break;
		case SLOTS_ERR_TIME:
		case SLOTS_ERR_DATE:
			code = ERRCODE_DATETIME_VALUE_OUT_OF_RANGE;
			break;
		default:
			code = ERRCODE_INVALID_PARAMETER_VALUE;
			break;
	}
	if (err == SLOTS_ERR_RANGE_TOO_LONG)
		ereport(ERROR,
				(errcode(code),
				 errmsg("%s", slots_error_message(err)),
				 errdetail("A request covers at most %d days.", SLOTS_MAX_RANGE_DAYS),
				 errhint("Ask for the range in parts.")));
	ereport(ERROR,
			(errcode(code),
			 errmsg("%s", slots_error_message(err)),
			 fault && fault->day >= 0 ? errdetail("Day %d, element %d of the request is at fault.",
												 fault->day + 1, fault->element + 1) : 0));
}

/* The travel callback's context: one resource of one input. */
typedef struct TravelContext
{
	SolveInput *in;
	ResourceInput *r;
} TravelContext;

/*
 * The travel callback.  Location 2k is item k's dropoff (departing at its
 * end), 2k + 1 its pickup; the new booking's pickup is NEW_PICKUP and its
 * dropoff NEW_DROPOFF (see request_for).  The core asks once per item and
 * direction; the travel lookup asks the cache once per pair of cells.
 */
#define NEW_PICKUP (PG_INT32_MAX - 1)
#define NEW_DROPOFF (PG_INT32_MAX - 2)

static int
travel_callback(void *context, int from, int to)
{
	TravelContext *c = context;
	TravelLeg	leg;

	/* the first leg asked for starts the lookups (all inputs are set) */
	if (c->in->lookup == NULL)
		c->in->lookup = booking_travel_lookup_create(c->in->travel, c->in->cxt);

	if (from == NEW_DROPOFF && to < NEW_DROPOFF && to % 2 == 1)
	{
		int			k = to / 2;

		booking_travel_lookup_leg(c->in->lookup, &c->in->dropoff, &c->r->busy_pickup[k],
								  c->r->busy[k].start, &leg);
		return leg.minutes;
	}
	if (to == NEW_PICKUP && from < NEW_DROPOFF && from % 2 == 0)
	{
		int			k = from / 2;

		booking_travel_lookup_leg(c->in->lookup, &c->r->busy_dropoff[k], &c->in->pickup,
								  c->r->busy[k].end, &leg);
		return leg.minutes;
	}
	return 0;
}

/* The end of the solving: close what the travel lookups keep open. */
static void
solve_end(SolveInput *in)
{
	if (in->lookup != NULL)
		booking_travel_lookup_end(in->lookup);
}

static void
request_for(SolveInput *in, ResourceInput *r, SlotsRequest *rq, TravelContext *tc)
{
	memset(rq, 0, sizeof(*rq));
	rq->duration = in->duration;
	rq->buffer_before = in->buffer_before;
	rq->buffer_after = in->buffer_after;
	rq->pickup_location = in->has_pickup ? NEW_PICKUP : -1;
	rq->dropoff_location = in->has_dropoff ? NEW_DROPOFF : -1;
	rq->grid_minutes = in->grid;
	rq->range_start = in->range_start;
	rq->range_end = in->range_end;
	rq->earliest_start = in->earliest;
	rq->latest_start = in->latest;
	rq->days = r->days;
	rq->ndays = in->ndays;
	rq->busy = r->busy;
	rq->nbusy = r->nbusy;
	tc->in = in;
	tc->r = r;
	rq->travel = in->has_pickup || in->has_dropoff ? travel_callback : NULL;
	rq->travel_context = tc;
}

/*
 * The solver of one resource.  It lives in the input's one workspace, so
 * making the solver of another resource ends this one's life.
 */
static SlotsSolver *
solver_for(SolveInput *in, ResourceInput *r, SlotsRequest *rq, TravelContext *tc)
{
	SlotsSolver *sv;
	SlotsFault	fault;
	size_t		size;
	SlotsError	err;

	request_for(in, r, rq, tc);
	err = slots_workspace_size(rq, &size);
	if (err != SLOTS_OK)
		booking_solver_error(err, NULL);
	if (size > in->workspace_size)
	{
		if (in->workspace != NULL)
			pfree(in->workspace);
		in->workspace_size = Max(size, 2 * in->workspace_size);
		in->workspace = MemoryContextAllocHuge(in->cxt, in->workspace_size);
	}
	err = slots_init(rq, in->workspace, size, &sv, &fault);
	if (err != SLOTS_OK)
		booking_solver_error(err, &fault);
	return sv;
}

/*
 * Every reason why the input's one resource cannot take an appointment at
 * start (explain_slot, check_slot): at most cap of them into out, *n of
 * them, *truncated if there were more.  Returns the resource.
 */
ResourceInput *
booking_solver_explain(SolveInput *in, TimestampTz start, SlotsExplanation *out, size_t cap,
					   size_t *n, bool *truncated)
{
	ResourceInput *r = &in->resources[0];
	SlotsRequest rq;
	TravelContext tc;
	SlotsSolver *sv;
	SlotsError	err;

	sv = solver_for(in, r, &rq, &tc);
	err = slots_explain(sv, start, out, cap, n, truncated);
	if (err != SLOTS_OK)
		booking_solver_error(err, NULL);
	solve_end(in);
	return r;
}

/*
 * Whether booking.eligibility_problems() finds anything against the client
 * booking the service with the resource on the given local date.
 */
static void
found_row(void *arg, Datum *values, bool *isnull)
{
	*(bool *) arg = true;
}

static bool
booking_ineligible_on(SolveInput *in, ResourceInput *r, const pg_uuid_t *client, DateADT date)
{
	Datum		values[5];
	bool		found = false;

	values[0] = booking_uuid_datum(&in->org);
	values[1] = booking_uuid_datum(&r->id);
	values[2] = booking_uuid_datum(&in->service);
	values[3] = booking_uuid_datum(client);
	values[4] = DateADTGetDatum(date);
	SPI_connect();
	booking_solver_query(QUERY_INELIGIBLE, values, NULL, found_row, &found);
	SPI_finish();
	return found;
}

static bool
booking_ineligible(SolveInput *in, ResourceInput *r, const pg_uuid_t *client)
{
	return booking_ineligible_on(in, r, client, booking_local_date(in->tz, in->range_start));
}

/*
 * booking.available_slots(resource_id, service_id, during, pickup_point, client_id)
 *		-> SETOF (starts_at, ends_at)
 */
PG_FUNCTION_INFO_V1(booking_available_slots);
Datum
booking_available_slots(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SolveInput *in;
	SlotsRequest rq;
	TravelContext tc;
	SlotsSolver *sv;
	SlotsSlot  *out;
	size_t		cap;
	int			d;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("resource_id, service_id and during must not be null")));
	in = booking_solver_input(NULL, PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1), PG_GETARG_RANGE_P(2),
							  PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3), PG_ARGISNULL(3), NULL);
	InitMaterializedSRF(fcinfo, 0);
	if (in->outside_area != NULL)
		return (Datum) 0;		/* outside the org's service area */
	if (!PG_ARGISNULL(4) && booking_ineligible(in, &in->resources[0], PG_GETARG_UUID_P(4)))
		return (Datum) 0;
	sv = solver_for(in, &in->resources[0], &rq, &tc);
	cap = slots_day_capacity(sv);
	out = palloc(sizeof(SlotsSlot) * cap);
	for (d = 0; d < in->ndays; d++)
	{
		size_t		n;
		bool		truncated;
		size_t		k;
		SlotsError	err;

		CHECK_FOR_INTERRUPTS();
		err = slots_solve_day(sv, d, out, cap, &n, &truncated);
		if (err != SLOTS_OK)
			booking_solver_error(err, NULL);
		for (k = 0; k < n; k++)
		{
			Datum		values[2];
			bool		nulls[2] = {false, false};

			values[0] = TimestampTzGetDatum(out[k].start);
			values[1] = TimestampTzGetDatum(out[k].end);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	solve_end(in);
	return (Datum) 0;
}

static int
cmp_span(const void *a, const void *b)
{
	const int64 *x = a;
	const int64 *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

/*
 * booking.free_time(resource_id, during) -> tstzmultirange: the open time
 * of the resource's days inside during (working windows minus breaks, on
 * days below their daily maximum) minus the time its busy items occupy with
 * their buffers.
 */
PG_FUNCTION_INFO_V1(booking_free_time);
Datum
booking_free_time(PG_FUNCTION_ARGS)
{
	SolveInput *in;
	ResourceInput *r;
	SlotsRequest rq;
	TravelContext tc;
	SlotsSolver *sv;
	int64	   *busy;			/* pairs: occupied [from, to), sorted */
	int			nbusy;
	RangeType **ranges;
	int			nranges = 0;
	int			maxranges = 64;
	TypeCacheEntry *mtyp;
	Oid			mroid = get_range_multirange(TSTZRANGEOID);
	int			d;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("resource_id and during must not be null")));
	in = booking_solver_input(NULL, PG_GETARG_UUID_P(0), NULL, PG_GETARG_RANGE_P(1), (Datum) 0, true, NULL);
	r = &in->resources[0];
	sv = solver_for(in, r, &rq, &tc);
	mtyp = lookup_type_cache(mroid, TYPECACHE_MULTIRANGE_INFO);

	busy = palloc(sizeof(int64) * 2 * Max(r->nbusy, 1));
	for (i = 0; i < r->nbusy; i++)
	{
		busy[2 * i] = r->busy[i].start - r->busy[i].buffer_before;
		busy[2 * i + 1] = r->busy[i].end + r->busy[i].buffer_after;
	}
	nbusy = r->nbusy;
	qsort(busy, nbusy, 2 * sizeof(int64), cmp_span);

	ranges = palloc(sizeof(RangeType *) * maxranges);
	for (d = 0; d < in->ndays; d++)
	{
		int64		from[2 * SLOTS_MAX_WINDOWS];
		int64		to[2 * SLOTS_MAX_WINDOWS];
		size_t		n;
		bool		truncated;
		size_t		k;
		SlotsError	err;

		CHECK_FOR_INTERRUPTS();
		err = slots_day_open(sv, d, from, to, lengthof(from), &n, &truncated);
		if (err != SLOTS_OK)
			booking_solver_error(err, NULL);
		for (k = 0; k < n; k++)
		{
			int64		cur = Max(from[k], in->range_start);
			int64		end = Min(to[k], in->range_end);
			int			j;

			/* subtract the occupied intervals (sorted by start) */
			for (j = 0; j <= nbusy && cur < end; j++)
			{
				int64		piece_end = end;

				if (j < nbusy)
				{
					if (busy[2 * j + 1] <= cur)
						continue;
					if (busy[2 * j] < end)
						piece_end = busy[2 * j];
				}
				if (piece_end > cur)
				{
					RangeBound	lo = {.val = TimestampTzGetDatum(cur), .infinite = false, .inclusive = true, .lower = true};
					RangeBound	hi = {.val = TimestampTzGetDatum(piece_end), .infinite = false, .inclusive = false, .lower = false};

					if (nranges == maxranges)
					{
						maxranges *= 2;
						ranges = repalloc(ranges, sizeof(RangeType *) * maxranges);
					}
					ranges[nranges++] = make_range(mtyp->rngtype, &lo, &hi, false);
				}
				if (j == nbusy || busy[2 * j] >= end)
					break;
				cur = Max(cur, busy[2 * j + 1]);
			}
		}
	}
	PG_RETURN_MULTIRANGE_P(make_multirange(mroid, mtyp->rngtype, nranges, ranges));
}

/* One slot found by find_slots. */
typedef struct FoundSlot
{
	int			resource;
	int64		start;
	int64		end;
	int			travel_before;
	int			travel_after;
	int			idle;			/* minutes */
	int			score;
	bool		figures;		/* travel shown (staff, the resource's user) */
} FoundSlot;

static int
cmp_found(const void *a, const void *b)
{
	const FoundSlot *x = a;
	const FoundSlot *y = b;

	if (x->score != y->score)
		return x->score < y->score ? -1 : 1;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->resource - y->resource;
}

/*
 * booking.find_slots(service_id, during, pickup_point, client_id)
 *		-> SETOF (resource_id, starts_at, ends_at, travel_minutes_before,
 *		travel_minutes_after, idle_minutes, score), best first.
 */
PG_FUNCTION_INFO_V1(booking_find_slots);
Datum
booking_find_slots(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SolveInput *in;
	FoundSlot  *found;
	int			nfound = 0;
	int			maxfound = 256;
	SlotsSlot  *out = NULL;
	size_t		cap = 0;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("service_id and during must not be null")));
	in = booking_solver_input(NULL, NULL, PG_GETARG_UUID_P(0), PG_GETARG_RANGE_P(1),
							  PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2), PG_ARGISNULL(2), NULL);
	found = palloc(sizeof(FoundSlot) * maxfound);
	for (i = 0; i < in->nresources; i++)
	{
		ResourceInput *r = &in->resources[i];
		SlotsRequest rq;
		TravelContext tc;
		SlotsSolver *sv;
		int			d;

		bool		figures;

		CHECK_FOR_INTERRUPTS();
		if (!PG_ARGISNULL(3) && booking_ineligible(in, r, PG_GETARG_UUID_P(3)))
			continue;
		figures = booking_solver_may_see(r);
		sv = solver_for(in, r, &rq, &tc);
		if (out == NULL)
		{
			cap = slots_day_capacity(sv);
			out = palloc(sizeof(SlotsSlot) * cap);
		}
		for (d = 0; d < in->ndays; d++)
		{
			size_t		n;
			bool		truncated;
			size_t		k;
			SlotsError	err = slots_solve_day(sv, d, out, cap, &n, &truncated);

			if (err != SLOTS_OK)
				booking_solver_error(err, NULL);
			for (k = 0; k < n; k++)
			{
				FoundSlot  *f;

				if (nfound == maxfound)
				{
					maxfound *= 2;
					found = repalloc_huge(found, sizeof(FoundSlot) * maxfound);
				}
				f = &found[nfound++];
				f->resource = i;
				f->start = out[k].start;
				f->end = out[k].end;
				f->travel_before = out[k].travel_before;
				f->travel_after = out[k].travel_after;
				f->idle = (int) ((out[k].idle_before + out[k].idle_after) / USECS_PER_MINUTE);
				/*
				 * Below staff, travel decides what is bookable but neither
				 * shows nor ranks: its minutes locate other people's
				 * dropoffs (issue 14).
				 */
				f->figures = figures;
				f->score = figures ? f->idle + f->travel_before + f->travel_after : f->idle;
			}
		}
	}
	solve_end(in);
	qsort(found, nfound, sizeof(FoundSlot), cmp_found);
	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < nfound; i++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};

		values[0] = booking_uuid_datum(&in->resources[found[i].resource].id);
		values[1] = TimestampTzGetDatum(found[i].start);
		values[2] = TimestampTzGetDatum(found[i].end);
		values[3] = Int32GetDatum(found[i].travel_before);
		values[4] = Int32GetDatum(found[i].travel_after);
		nulls[3] = nulls[4] = !found[i].figures;
		values[5] = Int32GetDatum(found[i].idle);
		values[6] = Int32GetDatum(found[i].score);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}
