/*
 * src/solver.c
 *		The availability solver over a SolveInput (src/solver_input.c):
 *		the core's request and solver for one resource, the travel times
 *		the core asks for, its errors as SQLSTATEs; and the functions that
 *		list: booking.available_slots(), booking.find_slots() and
 *		booking.free_time().
 *
 * Each pair of travel cells is looked up in the cache once per call (a
 * TravelLookup), and one solver workspace serves every resource of a call
 * (find_slots' paged best-first search over src/core/bestfirst.c solves
 * one resource-day at a time, in the order of their bounds; without a page
 * size one resource at a time).
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/multirangetypes.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "booking.h"
#include "core/bestfirst.h"
#include "core/hex.h"
#include "core/slots.h"
#include "errcodes.h"
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
	if (!PG_ARGISNULL(4))
		booking_solver_check_client(in, PG_GETARG_UUID_P(4), PG_GETARG_UUID_P(0));
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

/*
 * find_slots: a paged best-first search (src/core/bestfirst.h) over cells
 * of one resource and one local day, each bounded by score 0 at the day's
 * first instant inside the range (scores are idle and travel minutes, never
 * negative).  A cell is solved when the search reaches it: the resource's
 * eligibility and whether its figures show are asked then, and the busy
 * items are read then, up to the margin the rules see beyond the day
 * (SLOTS_BUSY_MARGIN, src/core/slots.h), so the work grows with the pages
 * asked for, not with the range.  Without a page size every cell would be
 * solved, and solving days alone costs a solver per day (its items sorted
 * with the margin of each day) and the travel bound of each: there a cell
 * is a whole resource, bounded by score 0 at the range's start and solved
 * over every day by one solver, from the items read at once.
 */

/* The state of one resource during a search. */
typedef struct FindResource
{
	SlotsBusy  *sorted;			/* a copy of busy[0..nsorted), sorted by start */
	int			nsorted;
	int			maxsorted;
	int64		max_length;		/* of its busy items so far */
	int8		eligible;		/* -1 not asked, 0 no, 1 yes */
	int8		figures;		/* -1 not asked */
} FindResource;

typedef struct FindSearch
{
	SolveInput *in;
	FindResource *res;
	const pg_uuid_t *client;	/* NULL: none */
	bool		bounded;		/* rank by slots_day_travel_bound() first */
	bool		whole;			/* cells are whole resources (every slot asked for) */
	SlotsSlot  *out;
	size_t		cap;
} FindSearch;

/*
 * A cell's tag: (resource * ndays + day) * 2 + phase; phase 0 is a
 * resource-day not looked at yet (bound 0), phase 1 one ranked by its
 * travel bound.
 */
#define FIND_TAG(i, d, phase, ndays) ((((int64) (i)) * (ndays) + (d)) * 2 + (phase))

static void *
find_realloc(void *context, void *ptr, size_t size)
{
	if (size == 0)
	{
		if (ptr)
			pfree(ptr);
		return NULL;
	}
	if (ptr == NULL)
		return MemoryContextAllocHuge((MemoryContext) context, size);
	return repalloc_huge(ptr, size);
}

static int
cmp_busy_start(const void *a, const void *b)
{
	const SlotsBusy *x = a;
	const SlotsBusy *y = b;

	return x->start < y->start ? -1 : x->start > y->start ? 1 : (x->id < y->id ? -1 : x->id > y->id);
}

/* The first item of busy[0..n) (sorted by start) that starts at or after t. */
static int
busy_lower_bound(const SlotsBusy *busy, int n, int64 t)
{
	int			lo = 0;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (busy[mid].start < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * The request of one resource-day alone: that day over the range clipped
 * to it, with the resource's items that can meet the day's busy margin
 * (slots.h: SlotsRequest, SLOTS_AHEAD_MARGIN), or for its travel bound
 * those that can face it, taken from a copy of its items sorted by start.
 * Items read later start after every item read before
 * (booking_solver_load_busy), so sorting the new tail keeps the copy
 * sorted; each item keeps its index (its id and locations), by which the
 * travel callback finds its points and times in the resource's own arrays.
 */
static void
find_day_request(FindSearch *fs, int i, int d, bool for_bound, SlotsRequest *rq, TravelContext *tc)
{
	SolveInput *in = fs->in;
	ResourceInput *r = &in->resources[i];
	FindResource *f = &fs->res[i];
	int64		from = Max(in->day_start[d], in->range_start);
	int64		to = Min(in->day_end[d], in->range_end);
	int			lo;
	int			hi;
	int			k;

	/*
	 * The bound looks at the items facing the day from inside it (ending or
	 * starting in its span); the slots at those that start up to
	 * SLOTS_AHEAD_MARGIN after it and end up to SLOTS_BUSY_MARGIN before it
	 * (src/core/slots.h).
	 */
	int64		ahead = in->day_end[d] + (for_bound ? 0 : SLOTS_AHEAD_MARGIN);
	int64		behind = for_bound ? in->day_start[d] : from - SLOTS_BUSY_MARGIN;

	booking_solver_load_busy(in, ahead);
	if (f->nsorted < r->nbusy)
	{
		if (r->nbusy > f->maxsorted)
		{
			f->maxsorted = Max(r->nbusy, 2 * f->maxsorted);
			f->sorted = f->sorted == NULL
				? MemoryContextAlloc(in->cxt, sizeof(SlotsBusy) * f->maxsorted)
				: repalloc(f->sorted, sizeof(SlotsBusy) * f->maxsorted);
		}
		for (k = f->nsorted; k < r->nbusy; k++)
		{
			f->sorted[k] = r->busy[k];
			f->max_length = Max(f->max_length, r->busy[k].end - r->busy[k].start);
		}
		qsort(f->sorted + f->nsorted, r->nbusy - f->nsorted, sizeof(SlotsBusy), cmp_busy_start);
		f->nsorted = r->nbusy;
	}
	lo = busy_lower_bound(f->sorted, f->nsorted, behind - f->max_length);
	hi = busy_lower_bound(f->sorted, f->nsorted, ahead);

	request_for(in, r, rq, tc);
	rq->range_start = from;
	rq->range_end = to;
	rq->days = &r->days[d];
	rq->ndays = 1;
	rq->busy = f->sorted + lo;
	rq->nbusy = hi - lo;
}

/* The solver of one resource-day alone, in the input's one workspace. */
static SlotsSolver *
find_day_solver(FindSearch *fs, int i, int d, SlotsRequest *rq, TravelContext *tc)
{
	SolveInput *in = fs->in;
	SlotsFault	fault;
	size_t		size;
	SlotsSolver *sv;
	SlotsError	err;

	find_day_request(fs, i, d, false, rq, tc);
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
 * The slots of day d of solver sv (of resource i) into the search.
 */
static BestError
find_solve_day(FindSearch *fs, BestSearch *search, int i, SlotsSolver *sv, int d)
{
	ResourceInput *r = &fs->in->resources[i];
	FindResource *f = &fs->res[i];
	size_t		n;
	bool		truncated;
	size_t		k;
	SlotsError	err;

	if (fs->out == NULL)
	{
		fs->cap = slots_day_capacity(sv);
		fs->out = MemoryContextAlloc(fs->in->cxt, sizeof(SlotsSlot) * fs->cap);
	}
	err = slots_solve_day(sv, d, fs->out, fs->cap, &n, &truncated);
	if (err != SLOTS_OK)
		booking_solver_error(err, NULL);
	for (k = 0; k < n; k++)
	{
		SlotsSlot  *o = &fs->out[k];
		BestSlot	b;
		BestError	berr;

		memset(&b, 0, sizeof(b));
		b.key.start = o->start;
		memcpy(b.key.resource, r->id.data, UUID_LEN);
		b.end = o->end;
		b.resource_index = i;
		b.travel_before = o->travel_before;
		b.travel_after = o->travel_after;
		b.idle = (int32) ((o->idle_before + o->idle_after) / USECS_PER_MINUTE);
		b.figures = f->figures;

		/*
		 * Below staff, travel decides what is bookable but neither shows nor
		 * ranks: its minutes locate other people's dropoffs (issue 14).
		 */
		b.key.score = f->figures ? b.idle + b.travel_before + b.travel_after : b.idle;
		if ((berr = best_add_slot(search, &b)) != BEST_OK)
			return berr;
	}
	return BEST_OK;
}

/*
 * Expand a cell.  Phase 0: ask the resource's eligibility and figures the
 * first time; if travel ranks (the caller sees its figures and a pickup or
 * dropoff is given), rank the day by its travel bound (a cell of phase 1)
 * unless that is 0; else, or in phase 1, add the day's slots.
 */
static BestError
find_expand(void *context, BestSearch *search, int64_t tag)
{
	FindSearch *fs = context;
	SolveInput *in = fs->in;
	int			phase = (int) (tag % 2);
	int			i = (int) (tag / 2 / in->ndays);
	int			d = (int) (tag / 2 % in->ndays);
	ResourceInput *r = &in->resources[i];
	FindResource *f = &fs->res[i];
	SlotsRequest rq;
	TravelContext tc;
	SlotsSolver *sv;
	SlotsError	err;

	CHECK_FOR_INTERRUPTS();
	if (f->eligible < 0)
		f->eligible = fs->client == NULL || !booking_ineligible(in, r, fs->client);
	if (!f->eligible)
		return BEST_OK;
	if (f->figures < 0)
		f->figures = booking_solver_may_see(r);
	if (phase == 0 && fs->bounded && f->figures)
	{
		int			bound;

		find_day_request(fs, i, d, true, &rq, &tc);
		err = slots_day_travel_bound(&rq, 0, &bound);
		if (err != SLOTS_OK)
			booking_solver_error(err, NULL);
		if (bound > 0)
		{
			BestKey		key;

			memset(&key, 0, sizeof(key));
			key.score = bound;
			key.start = rq.range_start;
			memcpy(key.resource, r->id.data, UUID_LEN);
			return best_add_cell(search, &key, FIND_TAG(i, d, 1, in->ndays));
		}
	}
	if (fs->whole)
	{
		/* every day of the resource, from one solver (as available_slots) */
		sv = solver_for(in, r, &rq, &tc);
		for (d = 0; d < in->ndays; d++)
		{
			BestError	berr;

			if (Max(in->day_start[d], in->range_start) >= Min(in->day_end[d], in->range_end))
				continue;
			if ((berr = find_solve_day(fs, search, i, sv, d)) != BEST_OK)
				return berr;
		}
		return BEST_OK;
	}
	sv = find_day_solver(fs, i, d, &rq, &tc);
	return find_solve_day(fs, search, i, sv, 0);
}

/*
 * The page cursor: "fs1." and the hex of the last row's key (score, start,
 * resource) and of a hash binding it to its query: the acting org, the
 * service, the range, the pickup point and the client.
 */
#define CURSOR_PREFIX "fs1."
#define CURSOR_BYTES (4 + 8 + UUID_LEN + 8)

static uint64
find_query_hash(SolveInput *in, const pg_uuid_t *client)
{
	unsigned char buf[2 * UUID_LEN + 2 * 8 + 1 + 2 * sizeof(double) + 1 + UUID_LEN];
	size_t		n = 0;

	memset(buf, 0, sizeof(buf));
	memcpy(buf + n, in->org.data, UUID_LEN);
	n += UUID_LEN;
	memcpy(buf + n, in->service.data, UUID_LEN);
	n += UUID_LEN;
	memcpy(buf + n, &in->range_start, 8);
	n += 8;
	memcpy(buf + n, &in->range_end, 8);
	n += 8;
	buf[n++] = in->has_pickup;
	if (in->has_pickup)
	{
		memcpy(buf + n, &in->pickup.lat, sizeof(double));
		memcpy(buf + n + sizeof(double), &in->pickup.lon, sizeof(double));
	}
	n += 2 * sizeof(double);
	buf[n++] = client != NULL;
	if (client != NULL)
		memcpy(buf + n, client->data, UUID_LEN);
	n += UUID_LEN;
	return hash_bytes_extended(buf, n, UINT64CONST(0x66696e645f736c74));
}

static void
put_be(unsigned char *p, uint64 v, int nbytes)
{
	int			i;

	for (i = nbytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char) (v & 0xff);
}

static uint64
get_be(const unsigned char *p, int nbytes)
{
	uint64		v = 0;
	int			i;

	for (i = 0; i < nbytes; i++)
		v = (v << 8) | p[i];
	return v;
}

static text *
find_cursor(const BestKey *key, uint64 hash)
{
	unsigned char raw[CURSOR_BYTES];
	char		str[sizeof(CURSOR_PREFIX) + 2 * CURSOR_BYTES];
	static const char hexdig[] = "0123456789abcdef";
	int			i;

	put_be(raw, (uint32) key->score, 4);
	put_be(raw + 4, (uint64) key->start, 8);
	memcpy(raw + 12, key->resource, UUID_LEN);
	put_be(raw + 12 + UUID_LEN, hash, 8);
	strcpy(str, CURSOR_PREFIX);
	for (i = 0; i < CURSOR_BYTES; i++)
	{
		str[strlen(CURSOR_PREFIX) + 2 * i] = hexdig[raw[i] >> 4];
		str[strlen(CURSOR_PREFIX) + 2 * i + 1] = hexdig[raw[i] & 15];
	}
	str[strlen(CURSOR_PREFIX) + 2 * CURSOR_BYTES] = '\0';
	return cstring_to_text(str);
}

/* Decode a cursor into its key; refuse one that is malformed or of another query. */
static void
find_parse_cursor(text *cursor, uint64 hash, BestKey *key)
{
	char	   *str = text_to_cstring(cursor);
	size_t		plen = strlen(CURSOR_PREFIX);
	unsigned char raw[CURSOR_BYTES];
	int			i;

	if (strlen(str) != plen + 2 * CURSOR_BYTES || strncmp(str, CURSOR_PREFIX, plen) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid find_slots cursor"),
				 errdetail("A cursor is the page_cursor of a row that booking.find_slots returned.")));
	for (i = 0; i < CURSOR_BYTES; i++)
	{
		int			hi = core_hex_value(str[plen + 2 * i]);
		int			lo = core_hex_value(str[plen + 2 * i + 1]);

		if (hi < 0 || lo < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid find_slots cursor"),
					 errdetail("A cursor is the page_cursor of a row that booking.find_slots returned.")));
		raw[i] = (unsigned char) (hi << 4 | lo);
	}
	if (get_be(raw + 12 + UUID_LEN, 8) != hash)
		ereport(ERROR,
				(errcode(ERRCODE_22K10_CURSOR_OF_ANOTHER_QUERY),
				 errmsg("the find_slots cursor belongs to another query"),
				 errdetail("A cursor continues only the query that returned it: the same acting org, service_id, during, pickup_point and client_id."),
				 errhint("Ask for the first page again without after_cursor.")));
	memset(key, 0, sizeof(*key));
	key->score = (int32) (uint32) get_be(raw, 4);
	key->start = (int64) get_be(raw + 4, 8);
	memcpy(key->resource, raw + 12, UUID_LEN);
}

/*
 * booking.find_slots(service_id, during, pickup_point, client_id, page_size,
 * after_cursor) -> SETOF (resource_id, starts_at, ends_at,
 * travel_minutes_before, travel_minutes_after, idle_minutes, score,
 * page_cursor): at most page_size slots (NULL: all), best first, after the
 * cursor.
 */
PG_FUNCTION_INFO_V1(booking_find_slots);
Datum
booking_find_slots(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SolveInput *in;
	FindSearch	fs;
	BestSearch	search;
	BestKey		after;
	/* 0.1.0's declaration, until ALTER EXTENSION UPDATE: four arguments, every row */
	bool		paged = PG_NARGS() >= 6;
	bool		has_after = paged && !PG_ARGISNULL(5);
	size_t		limit = 0;
	uint64		hash;
	int			i;
	int			d;
	BestError	err;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("service_id and during must not be null")));
	if (paged && !PG_ARGISNULL(4))
	{
		int32		page_size = PG_GETARG_INT32(4);

		if (page_size <= 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("page_size must be positive, not %d", page_size),
					 errhint("Pass NULL for every slot.")));
		limit = (size_t) page_size;
	}
	/*
	 * Every slot asked for (no page size): every cell would be expanded, so
	 * the cells are whole resources, solved as available_slots solves them
	 * (one solver over all the days, the busy items read at once), and no
	 * day is ranked by its travel bound first; the order of the rows is the
	 * search's all the same.
	 */
	memset(&fs, 0, sizeof(fs));
	fs.whole = limit == 0;
	if (fs.whole)
		in = booking_solver_input(NULL, NULL, PG_GETARG_UUID_P(0), PG_GETARG_RANGE_P(1),
								  PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2), PG_ARGISNULL(2), NULL);
	else
		in = booking_solver_input_lazy(PG_GETARG_UUID_P(0), PG_GETARG_RANGE_P(1),
									   PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2), PG_ARGISNULL(2));
	fs.in = in;
	fs.client = PG_ARGISNULL(3) ? NULL : PG_GETARG_UUID_P(3);
	if (fs.client != NULL)
		booking_solver_check_client(in, fs.client, NULL);
	fs.bounded = !fs.whole && (in->has_pickup || in->has_dropoff);
	hash = find_query_hash(in, fs.client);
	if (has_after)
		find_parse_cursor(PG_GETARG_TEXT_PP(5), hash, &after);
	fs.res = palloc0(sizeof(FindResource) * Max(in->nresources, 1));
	err = best_init(&search, find_realloc, CurrentMemoryContext, has_after ? &after : NULL, limit);
	for (i = 0; i < in->nresources && err == BEST_OK; i++)
	{
		fs.res[i].eligible = -1;
		fs.res[i].figures = -1;
		if (fs.whole)
		{
			BestKey		bound;

			memset(&bound, 0, sizeof(bound));
			bound.score = 0;
			bound.start = in->range_start;
			memcpy(bound.resource, in->resources[i].id.data, UUID_LEN);
			err = best_add_cell(&search, &bound, FIND_TAG(i, 0, 0, in->ndays));
			continue;
		}
		for (d = 0; d < in->ndays && err == BEST_OK; d++)
		{
			BestKey		bound;
			int64		from = Max(in->day_start[d], in->range_start);

			if (from >= Min(in->day_end[d], in->range_end))
				continue;
			memset(&bound, 0, sizeof(bound));
			bound.score = 0;
			bound.start = from;
			memcpy(bound.resource, in->resources[i].id.data, UUID_LEN);
			err = best_add_cell(&search, &bound, FIND_TAG(i, d, 0, in->ndays));
		}
	}
	if (err != BEST_OK)
		elog(ERROR, "find_slots: %s", best_error_message(err));
	InitMaterializedSRF(fcinfo, 0);
	for (;;)
	{
		BestSlot	b;
		bool		found;
		Datum		values[8];
		bool		nulls[8] = {false, false, false, false, false, false, false, false};

		err = best_next(&search, find_expand, &fs, &b, &found);
		if (err != BEST_OK)
			elog(ERROR, "find_slots: %s", best_error_message(err));
		if (!found)
			break;
		values[0] = booking_uuid_datum(&in->resources[b.resource_index].id);
		values[1] = TimestampTzGetDatum(b.key.start);
		values[2] = TimestampTzGetDatum(b.end);
		values[3] = Int32GetDatum(b.travel_before);
		values[4] = Int32GetDatum(b.travel_after);
		nulls[3] = nulls[4] = !b.figures;
		values[5] = Int32GetDatum(b.idle);
		values[6] = Int32GetDatum(b.key.score);
		if (paged)
			values[7] = PointerGetDatum(find_cursor(&b.key, hash));
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	best_free(&search);
	solve_end(in);
	return (Datum) 0;
}
