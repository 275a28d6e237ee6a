/*-------------------------------------------------------------------------
 *
 * src/core/slots.c
 *		Pure C core of the availability solver: validation, the day map, the
 *		per-day open time, the busy-item indexes, the one predicate shared by
 *		slot enumeration and explanation, and the enumeration itself.
 *
 * The rules are documented in slots.h; this file implements them and
 * nothing else.  Every absolute time that reaches an addition has been
 * checked against SLOTS_TIME_MIN..SLOTS_TIME_MAX and every duration against
 * a bound of a few days, so no sum can overflow; the sums are nonetheless
 * computed with saturating helpers, so that a mistake in that reasoning
 * gives a wrong comparison at the far end of the time range rather than
 * undefined behaviour.
 *
 * Layout of the workspace (each array 8-byte aligned):
 *
 *	 SlotsSolver
 *	 DayState[ndays]
 *	 Span pool: 6 * nwindows per day (open 2w, hours w, break parts 3w)
 *	 BusyKey by_pad[n], int64 pad_max[n]
 *	 per side (before, after): BusyKey order[n], int run_far[n],
 *		 int64 pad_nearest[n], int travel[n], int run_travel[n]
 *	 sort scratch
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <string.h>

#include "slots.h"

/* An absolute half-open interval [from, to). */
typedef struct Span
{
	int64_t		from;
	int64_t		to;
} Span;

/* A busy item in one of the three sort orders: (a, b, idx) ascending. */
typedef struct BusyKey
{
	int64_t		a;
	int64_t		b;
	int			idx;			/* index into busy[] */
} BusyKey;

/* What slots_init() derives for one local day. */
typedef struct DayState
{
	int64_t		midnight;		/* date * SLOTS_USECS_PER_DAY */
	int64_t		start;			/* abs(00:00), start of the span */
	Span	   *open;			/* O of rule 4, merged, sorted */
	int			nopen;
	Span	   *hours;			/* H of rule 4, merged, sorted */
	int			nhours;
	Span	   *breaks;			/* H minus O, sorted */
	int			nbreaks;
	int			nbooked;		/* busy items starting in the span */
} DayState;

/*
 * The two sides of a slot that rule 8 and the idle times look at: before
 * it, the previous items (the resource travels from their dropoff to the
 * new pickup); after it, the next items (from the new dropoff to their
 * pickup).  The rules are the same on both sides with time running the
 * other way, so each is written once for a Side.  The per-start path
 * (check_start) passes constants to small inline helpers, so the compiler
 * specializes them per side and the enumeration pays nothing for the
 * parameter; what runs once per run or only to explain a refusal stays out
 * of line and takes the side at run time.
 */
typedef enum Side
{
	SIDE_BEFORE = 0,
	SIDE_AFTER = 1
} Side;

#define SIDE_COUNT 2

/*
 * The busy items ordered by the time they face a slot with on one side:
 * their end before it, their start after it.  Items facing it with the same
 * time form a run, and the neighbours of a slot are the run nearest to it.
 * "Away" from the slot is toward lower positions before it and toward
 * higher positions after it.
 */
typedef struct SideIndex
{
	BusyKey    *order;			/* a = facing time, b = the other end */
	int		   *run_far;		/* per position: the end of its run away
								 * from the slot */
	int64_t    *pad_nearest;	/* per position: the nearest padded facing
								 * time (end + buffer_after before the slot,
								 * start - buffer_before after it) from there
								 * away from the slot: a prefix max before,
								 * a suffix min after */
	int		   *travel;			/* per item: memoized minutes, -1 = not
								 * asked yet */
	int		   *run_travel;		/* per run, at its position nearest the
								 * slot: greatest travel, -1 = not asked */
} SideIndex;

struct SlotsSolver
{
	SlotsRequest req;			/* copy; the arrays are the caller's */
	int64_t		step;			/* grid step in microseconds */
	DayState   *days;

	/* rule 7: occupied intervals by occupied start, prefix max of ends */
	BusyKey    *by_pad;			/* a = start - B, b = end + A */
	int64_t    *pad_max;

	/* rule 8 and the idle times, indexed by Side */
	SideIndex	sides[SIDE_COUNT];
};

/* The neighbours of one start on one side (rule 8): one run of its order. */
typedef struct Run
{
	int			near;			/* position nearest the slot; -1: none */
	int			travel;			/* greatest travel minutes of the run */
	int64_t		at;				/* their facing time */
	int64_t		gap;			/* time between them and the slot */
} Run;

/* Where slots_explain() collects reasons. */
typedef struct Sink
{
	SlotsExplanation *out;
	size_t		capacity;
	size_t		count;
	bool		truncated;
} Sink;

static const char *const error_messages[SLOTS_ERROR_COUNT] = {
	[SLOTS_OK] = "no error",
	[SLOTS_ERR_NULL_ARGUMENT] = "required argument is null",
	[SLOTS_ERR_RANGE_EMPTY] = "requested range is empty",
	[SLOTS_ERR_RANGE_TOO_LONG] = "requested range is longer than 366 days",
	[SLOTS_ERR_TIME] = "timestamp out of range",
	[SLOTS_ERR_DURATION] = "service duration must be positive and at most one day",
	[SLOTS_ERR_BUFFER] = "buffer must be between zero and one day",
	[SLOTS_ERR_GRID] = "slot grid step must be between 1 and 1440 minutes",
	[SLOTS_ERR_LOCATION] = "location index must be -1 or non-negative",
	[SLOTS_ERR_TOO_MANY_DAYS] = "too many local days in one request",
	[SLOTS_ERR_DAY_ORDER] = "local days must be in increasing order without overlap",
	[SLOTS_ERR_DATE] = "local date out of range",
	[SLOTS_ERR_DAY_KIND] = "invalid kind of local day",
	[SLOTS_ERR_DAY_SPAN] = "local day span must not be inverted or longer than two days",
	[SLOTS_ERR_SEGMENT_COUNT] = "local day must have between 1 and 8 time zone segments",
	[SLOTS_ERR_SEGMENTS] = "time zone segments must tile the local day from 00:00 to 24:00",
	[SLOTS_ERR_UTC_OFFSET] = "utc offset must be less than one day",
	[SLOTS_ERR_WINDOW_COUNT] = "local day must have between 0 and 64 working windows",
	[SLOTS_ERR_WINDOW] = "working window must be non-empty and within 00:00 to 24:00",
	[SLOTS_ERR_BREAK] = "break must be non-empty and within its working window",
	[SLOTS_ERR_MAX_BOOKINGS] = "maximum bookings per day must not be negative",
	[SLOTS_ERR_TRAVEL_BUFFER] = "travel buffer must be between zero and one day",
	[SLOTS_ERR_TOO_MANY_BUSY] = "too many busy items in one request",
	[SLOTS_ERR_BUSY_INTERVAL] = "busy item must end after it starts",
	[SLOTS_ERR_LOCAL_TIME] = "local time must be between 00:00 and 24:00",
	[SLOTS_ERR_DAY_INDEX] = "local day index out of range",
	[SLOTS_ERR_WORKSPACE] = "workspace is too small or not aligned",
};

static const char *const reason_names[SLOTS_REASON_COUNT] = {
	[0] = "unknown",
	[SLOTS_REASON_OUTSIDE_RANGE] = "outside_range",
	[SLOTS_REASON_NOTICE] = "notice",
	[SLOTS_REASON_HORIZON] = "horizon",
	[SLOTS_REASON_DAY_OFF] = "day_off",
	[SLOTS_REASON_OUTSIDE_HOURS] = "outside_hours",
	[SLOTS_REASON_EXCEPTION_HOURS] = "exception_hours",
	[SLOTS_REASON_IN_BREAK] = "in_break",
	[SLOTS_REASON_OFF_GRID] = "off_grid",
	[SLOTS_REASON_DAILY_MAXIMUM] = "daily_maximum",
	[SLOTS_REASON_OVERLAP] = "overlap",
	[SLOTS_REASON_BUFFER_FROM] = "buffer_from",
	[SLOTS_REASON_BUFFER_TO] = "buffer_to",
	[SLOTS_REASON_TRAVEL_FROM] = "travel_from",
	[SLOTS_REASON_TRAVEL_TO] = "travel_to",
};

/* ---------------------------------------------------------------------
 * Arithmetic
 * ---------------------------------------------------------------------
 */

static inline int64_t
sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

static inline int64_t
sat_sub(int64_t a, int64_t b)
{
	if (b < 0 && a > INT64_MAX + b)
		return INT64_MAX;
	if (b > 0 && a < INT64_MIN + b)
		return INT64_MIN;
	return a - b;
}

static inline int64_t
max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static inline int64_t
min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

static inline bool
time_ok(int64_t t)
{
	return t >= SLOTS_TIME_MIN && t <= SLOTS_TIME_MAX;
}

static inline int64_t
minutes_us(int minutes)
{
	return (int64_t) minutes * SLOTS_USECS_PER_MINUTE;
}

/* ---------------------------------------------------------------------
 * Sorting: a bottom-up merge sort, so that no libc qsort (which may
 * allocate) is needed and the cost is O(n log n) on any input.
 * ---------------------------------------------------------------------
 */

typedef int (*CompareFunc) (const void *x, const void *y);

static void
merge_sort(void *base, size_t n, size_t size, CompareFunc cmp, void *scratch)
{
	char	   *src = base;
	char	   *dst = scratch;
	size_t		width;

	for (width = 1; width < n; width *= 2)
	{
		size_t		lo;
		char	   *tmp;

		for (lo = 0; lo < n; lo += 2 * width)
		{
			size_t		mid = lo + width < n ? lo + width : n;
			size_t		hi = lo + 2 * width < n ? lo + 2 * width : n;
			size_t		i = lo;
			size_t		j = mid;
			size_t		k = lo;

			while (i < mid && j < hi)
			{
				if (cmp(src + j * size, src + i * size) < 0)
					memcpy(dst + size * k++, src + size * j++, size);
				else
					memcpy(dst + size * k++, src + size * i++, size);
			}
			if (i < mid)
				memcpy(dst + size * k, src + size * i, size * (mid - i));
			k += mid - i;
			if (j < hi)
				memcpy(dst + size * k, src + size * j, size * (hi - j));
		}
		tmp = src;
		src = dst;
		dst = tmp;
	}
	if (src != base)
		memcpy(base, src, n * size);
}

static int
compare_keys(const void *x, const void *y)
{
	const BusyKey *p = x;
	const BusyKey *q = y;

	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	if (p->idx != q->idx)
		return p->idx < q->idx ? -1 : 1;
	return 0;
}

static int
compare_spans(const void *x, const void *y)
{
	const Span *p = x;
	const Span *q = y;

	if (p->from != q->from)
		return p->from < q->from ? -1 : 1;
	if (p->to != q->to)
		return p->to < q->to ? -1 : 1;
	return 0;
}

/* ---------------------------------------------------------------------
 * Searching
 * ---------------------------------------------------------------------
 */

/* First position whose key a is >= x (n if none). */
static int
keys_lower_bound(const BusyKey *v, int n, int64_t x)
{
	int			lo = 0;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (v[mid].a < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Index of the last span with from <= t, or -1. */
static int
span_at(const Span *v, int n, int64_t t)
{
	int			lo = 0;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (v[mid].from <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - 1;
}

/* Index of the first span with to > t (n if none); spans disjoint, sorted. */
static int
span_after(const Span *v, int n, int64_t t)
{
	int			lo = 0;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (v[mid].to <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Whether [s, e) lies inside the union of merged spans v. */
static bool
spans_cover(const Span *v, int n, int64_t s, int64_t e)
{
	int			i = span_at(v, n, s);

	return i >= 0 && s < v[i].to && e <= v[i].to;
}

/* ---------------------------------------------------------------------
 * The day map
 * ---------------------------------------------------------------------
 */

/*
 * abs(t) of a validated day: t in 0..24:00, midnight = date * day length.
 */
static int64_t
map_local(const SlotsDay *day, int64_t midnight, int64_t t)
{
	int			i;

	if (t >= SLOTS_USECS_PER_DAY)
		return day->end;
	for (i = 0; i < day->nsegments - 1; i++)
		if (t < day->segments[i].local_to)
			break;
	return sat_sub(sat_add(midnight, t), day->segments[i].utc_offset);
}

/* Check date, segments and end of a day; *element gets the segment. */
static SlotsError
check_day_map(const SlotsDay *day, int *element)
{
	int			i;

	*element = -1;
	if (day->date < SLOTS_TIME_MIN / SLOTS_USECS_PER_DAY ||
		day->date > SLOTS_TIME_MAX / SLOTS_USECS_PER_DAY)
		return SLOTS_ERR_DATE;
	if (day->nsegments < 1 || day->nsegments > SLOTS_MAX_SEGMENTS)
		return SLOTS_ERR_SEGMENT_COUNT;
	if (day->segments == NULL)
		return SLOTS_ERR_NULL_ARGUMENT;
	for (i = 0; i < day->nsegments; i++)
	{
		const SlotsSegment *seg = &day->segments[i];
		int64_t		expected_from = i == 0 ? 0 : day->segments[i - 1].local_to;

		*element = i;
		if (seg->local_from != expected_from ||
			seg->local_to <= seg->local_from ||
			seg->local_to > SLOTS_USECS_PER_DAY ||
			(i == day->nsegments - 1 && seg->local_to != SLOTS_USECS_PER_DAY))
			return SLOTS_ERR_SEGMENTS;
		if (seg->utc_offset < -SLOTS_MAX_UTC_OFFSET ||
			seg->utc_offset > SLOTS_MAX_UTC_OFFSET)
			return SLOTS_ERR_UTC_OFFSET;
	}
	*element = -1;
	if (!time_ok(day->end))
		return SLOTS_ERR_TIME;
	return SLOTS_OK;
}

SlotsError
slots_local_to_absolute(const SlotsDay *day, int64_t local, int64_t *result)
{
	int			element;
	SlotsError	err;

	if (day == NULL || result == NULL)
		return SLOTS_ERR_NULL_ARGUMENT;
	err = check_day_map(day, &element);
	if (err != SLOTS_OK)
		return err;
	if (local < 0 || local > SLOTS_USECS_PER_DAY)
		return SLOTS_ERR_LOCAL_TIME;
	*result = map_local(day, (int64_t) day->date * SLOTS_USECS_PER_DAY, local);
	return SLOTS_OK;
}

/* ---------------------------------------------------------------------
 * Validation
 * ---------------------------------------------------------------------
 */

static SlotsError
set_fault(SlotsFault *fault, int day, int element, SlotsError err)
{
	if (fault != NULL)
	{
		fault->day = day;
		fault->element = element;
	}
	return err;
}

static bool
buffer_ok(int64_t b)
{
	return b >= 0 && b <= SLOTS_MAX_BUFFER;
}

static SlotsError
check_day(const SlotsDay *day, const SlotsDay *prev, int *element)
{
	SlotsError	err;
	int64_t		start;
	int			i;

	*element = -1;
	if (day->date < SLOTS_TIME_MIN / SLOTS_USECS_PER_DAY ||
		day->date > SLOTS_TIME_MAX / SLOTS_USECS_PER_DAY)
		return SLOTS_ERR_DATE;
	if (day->kind != SLOTS_DAY_REGULAR &&
		day->kind != SLOTS_DAY_EXCEPTION_OFF &&
		day->kind != SLOTS_DAY_EXCEPTION_HOURS)
		return SLOTS_ERR_DAY_KIND;
	err = check_day_map(day, element);
	if (err != SLOTS_OK)
		return err;
	start = day->start;
	if (!time_ok(start))
		return SLOTS_ERR_TIME;
	if (day->end < start ||
		sat_sub(day->end, start) > SLOTS_MAX_DAY_LENGTH)
		return SLOTS_ERR_DAY_SPAN;
	if (prev != NULL && (day->date <= prev->date || start < prev->end))
		return SLOTS_ERR_DAY_ORDER;
	if (day->nwindows < 0 || day->nwindows > SLOTS_MAX_WINDOWS)
		return SLOTS_ERR_WINDOW_COUNT;
	if (day->nwindows > 0 && day->windows == NULL)
		return SLOTS_ERR_NULL_ARGUMENT;
	for (i = 0; i < day->nwindows; i++)
	{
		const SlotsWindow *w = &day->windows[i];

		*element = i;
		if (w->from < 0 || w->from >= w->to || w->to > SLOTS_USECS_PER_DAY)
			return SLOTS_ERR_WINDOW;
		if (w->break_from != w->break_to &&
			(w->break_from < w->from || w->break_from > w->break_to ||
			 w->break_to > w->to))
			return SLOTS_ERR_BREAK;
	}
	*element = -1;
	if (day->max_bookings < 0)
		return SLOTS_ERR_MAX_BOOKINGS;
	if (day->travel_buffer < 0 || day->travel_buffer > SLOTS_MAX_TRAVEL_BUFFER)
		return SLOTS_ERR_TRAVEL_BUFFER;
	return SLOTS_OK;
}

SlotsError
slots_validate(const SlotsRequest *rq, SlotsFault *fault)
{
	int			i;

	set_fault(fault, -1, -1, SLOTS_OK);
	if (rq == NULL)
		return SLOTS_ERR_NULL_ARGUMENT;
	if (rq->duration <= 0 || rq->duration > SLOTS_MAX_DURATION)
		return SLOTS_ERR_DURATION;
	if (!buffer_ok(rq->buffer_before) || !buffer_ok(rq->buffer_after))
		return SLOTS_ERR_BUFFER;
	if (rq->pickup_location < -1 || rq->dropoff_location < -1)
		return SLOTS_ERR_LOCATION;
	if (rq->grid_minutes < 1 || rq->grid_minutes > SLOTS_MAX_GRID_MINUTES)
		return SLOTS_ERR_GRID;
	if (!time_ok(rq->range_start) || !time_ok(rq->range_end))
		return SLOTS_ERR_TIME;
	if (rq->range_end <= rq->range_start)
		return SLOTS_ERR_RANGE_EMPTY;
	if (sat_sub(rq->range_end, rq->range_start) >
		SLOTS_MAX_RANGE_DAYS * SLOTS_USECS_PER_DAY)
		return SLOTS_ERR_RANGE_TOO_LONG;
	if (rq->ndays < 0 || rq->ndays > SLOTS_MAX_DAYS)
		return SLOTS_ERR_TOO_MANY_DAYS;
	if (rq->ndays > 0 && rq->days == NULL)
		return SLOTS_ERR_NULL_ARGUMENT;
	if (rq->nbusy < 0 || rq->nbusy > SLOTS_MAX_BUSY)
		return SLOTS_ERR_TOO_MANY_BUSY;
	if (rq->nbusy > 0 && rq->busy == NULL)
		return SLOTS_ERR_NULL_ARGUMENT;
	for (i = 0; i < rq->ndays; i++)
	{
		int			element;
		SlotsError	err;

		err = check_day(&rq->days[i], i > 0 ? &rq->days[i - 1] : NULL,
						&element);
		if (err != SLOTS_OK)
			return set_fault(fault, i, element, err);
	}
	for (i = 0; i < rq->nbusy; i++)
	{
		const SlotsBusy *x = &rq->busy[i];

		if (!time_ok(x->start) || !time_ok(x->end))
			return set_fault(fault, -1, i, SLOTS_ERR_TIME);
		if (x->end <= x->start)
			return set_fault(fault, -1, i, SLOTS_ERR_BUSY_INTERVAL);
		if (!buffer_ok(x->buffer_before) || !buffer_ok(x->buffer_after))
			return set_fault(fault, -1, i, SLOTS_ERR_BUFFER);
		if (x->pickup_location < -1 || x->dropoff_location < -1)
			return set_fault(fault, -1, i, SLOTS_ERR_LOCATION);
	}
	return SLOTS_OK;
}

/* ---------------------------------------------------------------------
 * Workspace
 * ---------------------------------------------------------------------
 */

/*
 * Reserve count elements of size bytes at the next 8-byte boundary.  With
 * base NULL only the offset advances (to compute the size).
 */
static void *
carve(char *base, size_t *offset, size_t count, size_t size)
{
	size_t		at = (*offset + 7) & ~(size_t) 7;

	*offset = at + count * size;
	return base != NULL ? base + at : NULL;
}

/*
 * Lay out the workspace of a request whose counts are valid and return its
 * size.  With base non-NULL, also point a solver's arrays into it and set
 * *solver, *pool and *scratch; with base NULL nothing is written.
 */
static size_t
layout(const SlotsRequest *rq, char *base, SlotsSolver **solver,
	   Span **pool, void **scratch)
{
	size_t		off = 0;
	size_t		n = (size_t) rq->nbusy;
	size_t		nspans = 0;
	size_t		scratch_size;
	SlotsSolver dummy;
	SlotsSolver *sv;
	Span	   *spans;
	void	   *sort_space;
	int			i;
	Side		side;

	for (i = 0; i < rq->ndays; i++)
		nspans += 6 * (size_t) rq->days[i].nwindows;
	scratch_size = n * sizeof(BusyKey);
	if (scratch_size < 2 * SLOTS_MAX_WINDOWS * sizeof(Span))
		scratch_size = 2 * SLOTS_MAX_WINDOWS * sizeof(Span);

	/* the same sequence of carves whether or not base is NULL */
	sv = carve(base, &off, 1, sizeof(SlotsSolver));
	if (sv == NULL)
		sv = &dummy;
	sv->days = carve(base, &off, (size_t) rq->ndays, sizeof(DayState));
	spans = carve(base, &off, nspans, sizeof(Span));
	sv->by_pad = carve(base, &off, n, sizeof(BusyKey));
	sv->pad_max = carve(base, &off, n, sizeof(int64_t));
	for (side = SIDE_BEFORE; side < SIDE_COUNT; side++)
	{
		SideIndex  *si = &sv->sides[side];

		si->order = carve(base, &off, n, sizeof(BusyKey));
		si->run_far = carve(base, &off, n, sizeof(int));
		si->pad_nearest = carve(base, &off, n, sizeof(int64_t));
		si->travel = carve(base, &off, n, sizeof(int));
		si->run_travel = carve(base, &off, n, sizeof(int));
	}
	sort_space = carve(base, &off, scratch_size, 1);
	if (base != NULL)
	{
		*solver = sv;
		*pool = spans;
		*scratch = sort_space;
	}
	return (off + 7) & ~(size_t) 7;
}

/* Check the counts layout() depends on. */
static SlotsError
check_counts(const SlotsRequest *rq)
{
	int			i;

	if (rq->ndays < 0 || rq->ndays > SLOTS_MAX_DAYS)
		return SLOTS_ERR_TOO_MANY_DAYS;
	if (rq->ndays > 0 && rq->days == NULL)
		return SLOTS_ERR_NULL_ARGUMENT;
	if (rq->nbusy < 0 || rq->nbusy > SLOTS_MAX_BUSY)
		return SLOTS_ERR_TOO_MANY_BUSY;
	for (i = 0; i < rq->ndays; i++)
		if (rq->days[i].nwindows < 0 ||
			rq->days[i].nwindows > SLOTS_MAX_WINDOWS)
			return SLOTS_ERR_WINDOW_COUNT;
	return SLOTS_OK;
}

SlotsError
slots_workspace_size(const SlotsRequest *rq, size_t *size)
{
	SlotsError	err;

	if (rq == NULL || size == NULL)
		return SLOTS_ERR_NULL_ARGUMENT;
	err = check_counts(rq);
	if (err != SLOTS_OK)
		return err;
	*size = layout(rq, NULL, NULL, NULL, NULL);
	return SLOTS_OK;
}

/* ---------------------------------------------------------------------
 * Building the solver
 * ---------------------------------------------------------------------
 */

/* Sort spans and merge overlapping or touching ones; returns the count. */
static int
normalize_spans(Span *v, int n, void *scratch)
{
	int			i;
	int			m = 0;

	if (n == 0)
		return 0;
	merge_sort(v, (size_t) n, sizeof(Span), compare_spans, scratch);
	for (i = 1; i < n; i++)
	{
		if (v[i].from <= v[m].to)
			v[m].to = max64(v[m].to, v[i].to);
		else
			v[++m] = v[i];
	}
	return m + 1;
}

/* out = hours minus open (open inside hours, both normalized). */
static int
subtract_spans(const Span *hours, int nhours, const Span *open, int nopen,
			   Span *out)
{
	int			i;
	int			j = 0;
	int			m = 0;

	for (i = 0; i < nhours; i++)
	{
		int64_t		cur = hours[i].from;

		while (j < nopen && open[j].to <= cur)
			j++;
		while (j < nopen && open[j].from < hours[i].to)
		{
			if (open[j].from > cur)
			{
				out[m].from = cur;
				out[m].to = open[j].from;
				m++;
			}
			cur = max64(cur, open[j].to);
			j++;
		}
		if (cur < hours[i].to)
		{
			out[m].from = cur;
			out[m].to = hours[i].to;
			m++;
		}
	}
	return m;
}

static void
build_day(SlotsSolver *sv, int d, Span *pool, void *scratch)
{
	const SlotsDay *day = &sv->req.days[d];
	DayState   *st = &sv->days[d];
	int			w = day->nwindows;
	int			i;

	st->midnight = (int64_t) day->date * SLOTS_USECS_PER_DAY;
	st->start = day->start;
	st->open = pool;
	st->hours = pool + 2 * w;
	st->breaks = pool + 3 * w;
	st->nopen = 0;
	st->nhours = 0;
	st->nbreaks = 0;
	st->nbooked = 0;
	if (day->kind == SLOTS_DAY_EXCEPTION_OFF)
		return;

	for (i = 0; i < w; i++)
	{
		const SlotsWindow *win = &day->windows[i];
		Span		ws;

		ws.from = max64(map_local(day, st->midnight, win->from), st->start);
		ws.to = min64(map_local(day, st->midnight, win->to), day->end);
		if (ws.from >= ws.to)
			continue;
		st->hours[st->nhours++] = ws;
		if (win->break_from != win->break_to)
		{
			int64_t		bf = map_local(day, st->midnight, win->break_from);
			int64_t		bt = map_local(day, st->midnight, win->break_to);

			if (bf < bt)
			{
				if (ws.from < min64(ws.to, bf))
				{
					st->open[st->nopen].from = ws.from;
					st->open[st->nopen].to = min64(ws.to, bf);
					st->nopen++;
				}
				if (max64(ws.from, bt) < ws.to)
				{
					st->open[st->nopen].from = max64(ws.from, bt);
					st->open[st->nopen].to = ws.to;
					st->nopen++;
				}
				continue;
			}
		}
		st->open[st->nopen++] = ws;
	}
	st->nopen = normalize_spans(st->open, st->nopen, scratch);
	st->nhours = normalize_spans(st->hours, st->nhours, scratch);
	st->nbreaks = subtract_spans(st->hours, st->nhours, st->open, st->nopen,
								 st->breaks);
}

/* The listed day whose span contains t, or -1. */
static int
find_day(const SlotsSolver *sv, int64_t t)
{
	int			lo = 0;
	int			hi = sv->req.ndays;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (sv->days[mid].start <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0 && t < sv->req.days[lo - 1].end)
		return lo - 1;
	return -1;
}

/* ---------------------------------------------------------------------
 * The two sides of a slot
 * ---------------------------------------------------------------------
 */

/* The time busy item x faces a slot with on side: its end or its start. */
static inline int64_t
facing_time(Side side, const SlotsBusy *x)
{
	return side == SIDE_BEFORE ? x->end : x->start;
}

/* facing_time() moved away from the slot by x's own buffer on that side. */
static inline int64_t
padded_facing_time(Side side, const SlotsBusy *x)
{
	return side == SIDE_BEFORE ? sat_add(x->end, x->buffer_after)
		: sat_sub(x->start, x->buffer_before);
}

/* Of two times on one side of a slot, the one nearer to it. */
static inline int64_t
nearer(Side side, int64_t a, int64_t b)
{
	return side == SIDE_BEFORE ? max64(a, b) : min64(a, b);
}

/* Time between t, on side of the slot [s, e), and the slot. */
static inline int64_t
distance(Side side, int64_t t, int64_t s, int64_t e)
{
	return side == SIDE_BEFORE ? sat_sub(s, t) : sat_sub(t, e);
}

/*
 * Sort the busy items for one side and fill run_far and pad_nearest.  Both
 * are carried from the far end of the order toward the slot (upward before
 * it, downward after it) in locals, and a run's start is found against the
 * position visited last, so that no iteration waits for a store or a load
 * addressed by the one before.
 */
static inline void
build_side(SlotsSolver *sv, Side side, void *scratch)
{
	const SlotsBusy *busy = sv->req.busy;
	SideIndex  *si = &sv->sides[side];
	BusyKey    *order = si->order;
	int		   *run_far = si->run_far;
	int64_t    *pad_nearest = si->pad_nearest;
	int			n = sv->req.nbusy;
	int			away = side == SIDE_BEFORE ? -1 : 1;
	int			k;
	int			far = 0;
	int64_t		bound = 0;

	for (k = 0; k < n; k++)
	{
		order[k].a = facing_time(side, &busy[k]);
		order[k].b = side == SIDE_BEFORE ? busy[k].start : busy[k].end;
		order[k].idx = k;
		si->travel[k] = -1;
		si->run_travel[k] = -1;
	}
	merge_sort(order, (size_t) n, sizeof(BusyKey), compare_keys, scratch);

	for (k = 0; k < n; k++)
	{
		int			i = side == SIDE_BEFORE ? k : n - 1 - k;
		int64_t		padded = padded_facing_time(side, &busy[order[i].idx]);

		if (k == 0)
			bound = padded;
		else
			bound = nearer(side, bound, padded);
		/* a run starts where the facing time differs from the last one's */
		if (k == 0 || order[i].a != order[i + away].a)
			far = i;
		run_far[i] = far;
		pad_nearest[i] = bound;
	}
}

static void
build_busy(SlotsSolver *sv, void *scratch)
{
	const SlotsBusy *busy = sv->req.busy;
	int			n = sv->req.nbusy;
	int			i;
	int64_t		pad_max = 0;

	for (i = 0; i < n; i++)
	{
		sv->by_pad[i].a = sat_sub(busy[i].start, busy[i].buffer_before);
		sv->by_pad[i].b = sat_add(busy[i].end, busy[i].buffer_after);
		sv->by_pad[i].idx = i;
	}
	merge_sort(sv->by_pad, (size_t) n, sizeof(BusyKey), compare_keys, scratch);
	for (i = 0; i < n; i++)
	{
		pad_max = i == 0 ? sv->by_pad[i].b : max64(pad_max, sv->by_pad[i].b);
		sv->pad_max[i] = pad_max;
	}

	build_side(sv, SIDE_BEFORE, scratch);
	build_side(sv, SIDE_AFTER, scratch);

	for (i = 0; i < n; i++)
	{
		int			d = find_day(sv, busy[i].start);

		if (d >= 0)
			sv->days[d].nbooked++;
	}
}

SlotsError
slots_init(const SlotsRequest *rq, void *workspace, size_t size,
		   SlotsSolver **solver, SlotsFault *fault)
{
	SlotsError	err;
	SlotsSolver *sv = NULL;
	Span	   *pool = NULL;
	void	   *scratch = NULL;
	int			d;

	err = slots_validate(rq, fault);
	if (err != SLOTS_OK)
		return err;
	if (workspace == NULL || solver == NULL)
		return SLOTS_ERR_NULL_ARGUMENT;
	if (((uintptr_t) workspace & 7) != 0 ||
		size < layout(rq, NULL, NULL, NULL, NULL))
		return SLOTS_ERR_WORKSPACE;

	layout(rq, workspace, &sv, &pool, &scratch);
	sv->req = *rq;
	sv->step = minutes_us(rq->grid_minutes);
	for (d = 0; d < rq->ndays; d++)
	{
		build_day(sv, d, pool, scratch);
		pool += 6 * rq->days[d].nwindows;
	}
	build_busy(sv, scratch);
	*solver = sv;
	return SLOTS_OK;
}

size_t
slots_day_capacity(const SlotsSolver *sv)
{
	if (sv == NULL)
		return 0;
	return (size_t) ((SLOTS_MAX_GRID_MINUTES + sv->req.grid_minutes - 1) /
					 sv->req.grid_minutes);
}

/* ---------------------------------------------------------------------
 * Travel, memoized
 * ---------------------------------------------------------------------
 */

static int
request_travel(const SlotsRequest *rq, int from, int to)
{
	int			minutes;

	if (rq->travel == NULL || from < 0 || to < 0)
		return 0;
	minutes = rq->travel(rq->travel_context, from, to);
	if (minutes < 0)
		return 0;
	if (minutes > SLOTS_MAX_TRAVEL_MINUTES)
		return SLOTS_MAX_TRAVEL_MINUTES;
	return minutes;
}

static int
ask_travel(const SlotsSolver *sv, int from, int to)
{
	return request_travel(&sv->req, from, to);
}

/*
 * Minutes of travel between busy[idx] and the new booking on side: from
 * its dropoff to the new pickup before the slot, from the new dropoff to
 * its pickup after it.
 */
static inline int
item_travel(SlotsSolver *sv, Side side, int idx)
{
	int		   *memo = &sv->sides[side].travel[idx];

	if (*memo < 0)
	{
		const SlotsBusy *x = &sv->req.busy[idx];

		*memo = side == SIDE_BEFORE
			? ask_travel(sv, x->dropoff_location, sv->req.pickup_location)
			: ask_travel(sv, sv->req.dropoff_location, x->pickup_location);
	}
	return *memo;
}

/* The positions lo..hi of the run of side's order that holds near. */
static inline void
run_bounds(const SideIndex *si, int near, int *lo, int *hi)
{
	int			far = si->run_far[near];

	*lo = near < far ? near : far;
	*hi = near < far ? far : near;
}

/*
 * Greatest item_travel() over the run that holds near, memoized per run.
 * Out of line: it runs once per run, and keeping it out keeps the callers
 * small enough to be inlined for each side.
 */
static int
fill_run_travel(SlotsSolver *sv, Side side, int near)
{
	SideIndex  *si = &sv->sides[side];
	int			m = 0;
	int			lo;
	int			hi;
	int			i;

	run_bounds(si, near, &lo, &hi);
	for (i = lo; i <= hi; i++)
	{
		int			t = item_travel(sv, side, si->order[i].idx);

		if (t > m)
			m = t;
	}
	si->run_travel[near] = m;
	return m;
}

/*
 * The neighbours of [s, e) on side (rule 8): the items with the greatest
 * end <= s before it, those with the smallest start >= e after it.  Returns
 * false if there are none (run->near is then -1), else fills *run.
 */
static inline bool
find_neighbours(SlotsSolver *sv, Side side, int64_t s, int64_t e, Run *run)
{
	const BusyKey *order = sv->sides[side].order;
	int			n = sv->req.nbusy;
	int			near;

	/* the keys are integers: the last end <= s is the one before s + 1 */
	if (side == SIDE_BEFORE)
		near = keys_lower_bound(order, n, sat_add(s, 1)) - 1;
	else
	{
		near = keys_lower_bound(order, n, e);
		if (near == n)
			near = -1;
	}
	run->near = near;
	if (near < 0)
		return false;
	run->at = order[near].a;
	run->gap = distance(side, run->at, s, e);
	run->travel = sv->sides[side].run_travel[near];
	if (run->travel < 0)
		run->travel = fill_run_travel(sv, side, near);
	return true;
}

SlotsError
slots_day_travel_bound(const SlotsRequest *rq, int d, int *minutes)
{
	int64_t		from;
	int64_t		to;
	int			best = -1;
	int			i;

	if (rq == NULL || minutes == NULL || (rq->nbusy > 0 && rq->busy == NULL) || rq->days == NULL)
		return SLOTS_ERR_NULL_ARGUMENT;
	if (d < 0 || d >= rq->ndays)
		return SLOTS_ERR_DAY_INDEX;
	*minutes = 0;
	from = rq->days[d].start;
	to = rq->days[d].end;

	/*
	 * The items facing the day's slots from inside it: ends in [from, to)
	 * before a slot, starts in [from, to) after one (the test of
	 * travel_before and travel_after in the predicate).  If there is one,
	 * every slot of the day has one of them as a neighbour reported from
	 * inside the day (see slots.h), so travel_before + travel_after is at
	 * least the least travel of them on its side.
	 */
	for (i = 0; i < rq->nbusy; i++)
	{
		const SlotsBusy *x = &rq->busy[i];
		int			t;

		if (x->end >= from && x->end < to)
		{
			t = request_travel(rq, x->dropoff_location, rq->pickup_location);
			if (best < 0 || t < best)
				best = t;
		}
		if (x->start >= from && x->start < to)
		{
			t = request_travel(rq, rq->dropoff_location, x->pickup_location);
			if (best < 0 || t < best)
				best = t;
		}
		if (best == 0)
			return SLOTS_OK;
	}
	if (best > 0)
		*minutes = best;
	return SLOTS_OK;
}

/* ---------------------------------------------------------------------
 * The predicate
 * ---------------------------------------------------------------------
 */

static bool
on_grid(const SlotsSolver *sv, int d, int64_t s)
{
	const SlotsDay *day = &sv->req.days[d];
	int			i;

	for (i = 0; i < day->nsegments; i++)
	{
		const SlotsSegment *seg = &day->segments[i];
		int64_t		t = sat_add(sat_sub(s, sv->days[d].midnight),
								seg->utc_offset);

		if (t >= seg->local_from && t < seg->local_to && t % sv->step == 0)
			return true;
	}
	return false;
}

static void
emit(Sink *sink, SlotsReason reason, int day, const SlotsSolver *sv,
	 int item, int64_t have, int64_t need, int64_t from, int64_t to,
	 int travel_minutes)
{
	SlotsExplanation *x;

	if (sink->count >= sink->capacity)
	{
		sink->truncated = true;
		return;
	}
	x = &sink->out[sink->count++];
	x->reason = reason;
	x->day = day;
	x->item = item;
	x->travel_minutes = travel_minutes;
	x->item_id = item >= 0 ? sv->req.busy[item].id : 0;
	x->have = have;
	x->need = need;
	x->from = from;
	x->to = to;
}

/* The reason of rule 8 on each side. */
static const SlotsReason travel_reasons[SIDE_COUNT] = {
	[SIDE_BEFORE] = SLOTS_REASON_TRAVEL_FROM,
	[SIDE_AFTER] = SLOTS_REASON_TRAVEL_TO,
};

/*
 * The reasons of rule 8 for run, the neighbours on side that refused a
 * start: one per neighbour that is too close, in order of position.
 */
static void
emit_travel(SlotsSolver *sv, Side side, const Run *run, int64_t tb, int d,
			Sink *sink)
{
	const SideIndex *si = &sv->sides[side];
	int			lo;
	int			hi;
	int			i;

	run_bounds(si, run->near, &lo, &hi);
	for (i = lo; i <= hi; i++)
	{
		int			idx = si->order[i].idx;
		int			t = item_travel(sv, side, idx);
		int64_t		need = max64(minutes_us(t), tb);

		if (run->gap < need)
			emit(sink, travel_reasons[side], d, sv, idx, run->gap, need,
				 0, 0, t);
	}
}

/*
 * Rule 8 on one side of [s, e): whether the neighbours there, found into
 * *run, leave time for travel and the travel buffer tb.  If not and sink is
 * given, their reasons go there.
 */
static inline bool
travel_ok(SlotsSolver *sv, Side side, int64_t s, int64_t e, int64_t tb,
		  int d, Sink *sink, Run *run)
{
	if (!find_neighbours(sv, side, s, e, run) ||
		run->gap >= max64(minutes_us(run->travel), tb))
		return true;
	if (sink != NULL)
		emit_travel(sv, side, run, tb, d, sink);
	return false;
}

/*
 * The free time beside the bookable [s, e) on side, in the open interval o:
 * s - E before it, F - e after it (WHAT IS REPORTED in slots.h).  E and F
 * are a max and a min of limits; as distances from the slot both are the
 * least distance to o's edge, to the nearest padded facing time less the
 * new booking's own buffer on that side, and to the neighbours less their
 * travel requirement.
 */
static inline int64_t
free_beside(const SlotsSolver *sv, Side side, const Run *run, const Span *o,
			int64_t s, int64_t e, int64_t tb)
{
	const SlotsRequest *rq = &sv->req;
	int64_t		room;

	room = distance(side, side == SIDE_BEFORE ? o->from : o->to, s, e);
	if (run->near >= 0)
	{
		int64_t		own_buffer = side == SIDE_BEFORE
			? rq->buffer_before : rq->buffer_after;
		int64_t		padded = sv->sides[side].pad_nearest[run->near];

		room = min64(room, sat_sub(distance(side, padded, s, e), own_buffer));
		room = min64(room, sat_sub(run->gap,
								   max64(minutes_us(run->travel), tb)));
	}
	return room;
}

/*
 * Is s bookable (rules 1-8 of slots.h)?  With sink NULL, stop at the first
 * broken rule; otherwise record every reason in sink.  Every verdict is
 * computed the same way in both modes, so the answer is the same.  With
 * info non-NULL and s bookable, also fill *info.
 */
#define REFUSE() \
	do { \
		ok = false; \
		if (sink == NULL) \
			return false; \
	} while (0)

static bool
check_start(SlotsSolver *sv, int64_t s, Sink *sink, SlotsSlot *info)
{
	const SlotsRequest *rq = &sv->req;
	int			n = rq->nbusy;
	int64_t		e = sat_add(s, rq->duration);
	int64_t		occupied_from = sat_sub(s, rq->buffer_before);
	int64_t		occupied_to = sat_add(e, rq->buffer_after);
	int64_t		tb = 0;
	bool		ok = true;
	int			d;
	int			k;
	int			i;
	Side		side;
	Run			runs[SIDE_COUNT];

	/* rule 3: the local day, reported with every reason */
	d = find_day(sv, s);

	/* rule 1: range */
	if (s < rq->range_start || e > rq->range_end)
	{
		REFUSE();
		emit(sink, SLOTS_REASON_OUTSIDE_RANGE, d, sv, -1, 0, 0,
			 rq->range_start, rq->range_end, 0);
	}

	/* rule 2: notice and horizon */
	if (s < rq->earliest_start)
	{
		REFUSE();
		emit(sink, SLOTS_REASON_NOTICE, d, sv, -1, s, rq->earliest_start,
			 0, 0, 0);
	}
	if (s > rq->latest_start)
	{
		REFUSE();
		emit(sink, SLOTS_REASON_HORIZON, d, sv, -1, s, rq->latest_start,
			 0, 0, 0);
	}

	/* rules 3-6: the local day */
	if (d < 0)
	{
		REFUSE();
		emit(sink, SLOTS_REASON_OUTSIDE_HOURS, -1, sv, -1, 0, 0, 0, 0, 0);
	}
	else
	{
		const SlotsDay *day = &rq->days[d];
		const DayState *st = &sv->days[d];

		tb = day->travel_buffer;
		if (day->kind == SLOTS_DAY_EXCEPTION_OFF)
		{
			REFUSE();
			emit(sink, SLOTS_REASON_DAY_OFF, d, sv, -1, 0, 0, 0, 0, 0);
		}
		else
		{
			if (!spans_cover(st->hours, st->nhours, s, e))
			{
				REFUSE();
				emit(sink, day->kind == SLOTS_DAY_EXCEPTION_HOURS
					 ? SLOTS_REASON_EXCEPTION_HOURS
					 : SLOTS_REASON_OUTSIDE_HOURS,
					 d, sv, -1, 0, 0, 0, 0, 0);
			}
			for (i = span_after(st->breaks, st->nbreaks, s);
				 i < st->nbreaks && st->breaks[i].from < e; i++)
			{
				REFUSE();
				emit(sink, SLOTS_REASON_IN_BREAK, d, sv, -1, 0, 0,
					 st->breaks[i].from, st->breaks[i].to, 0);
			}
		}
		if (!on_grid(sv, d, s))
		{
			REFUSE();
			emit(sink, SLOTS_REASON_OFF_GRID, d, sv, -1, 0, sv->step, 0, 0, 0);
		}
		if (day->max_bookings > 0 && st->nbooked >= day->max_bookings)
		{
			REFUSE();
			emit(sink, SLOTS_REASON_DAILY_MAXIMUM, d, sv, -1, st->nbooked,
				 day->max_bookings, 0, 0, 0);
		}
	}

	/* rule 7: occupied intervals, against every item */
	k = keys_lower_bound(sv->by_pad, n, occupied_to);
	if (k > 0 && sv->pad_max[k - 1] > occupied_from)
	{
		REFUSE();
		for (i = 0; i < k; i++)
		{
			int			idx = sv->by_pad[i].idx;
			const SlotsBusy *x = &rq->busy[idx];

			if (sv->by_pad[i].b <= occupied_from)
				continue;
			if (x->start < e && x->end > s)
				emit(sink, SLOTS_REASON_OVERLAP, d, sv, idx, 0, 0,
					 x->start, x->end, 0);
			else if (x->end <= s)
				emit(sink, SLOTS_REASON_BUFFER_FROM, d, sv, idx,
					 sat_sub(s, x->end),
					 sat_add(x->buffer_after, rq->buffer_before), 0, 0, 0);
			else
				emit(sink, SLOTS_REASON_BUFFER_TO, d, sv, idx,
					 sat_sub(x->start, e),
					 sat_add(rq->buffer_after, x->buffer_before), 0, 0, 0);
		}
	}

	/* rule 8: travel from the previous items, then to the next ones */
	if (!travel_ok(sv, SIDE_BEFORE, s, e, tb, d, sink, &runs[SIDE_BEFORE]))
		REFUSE();
	if (!travel_ok(sv, SIDE_AFTER, s, e, tb, d, sink, &runs[SIDE_AFTER]))
		REFUSE();

	if (ok && info != NULL)
	{
		/* s is bookable, so d >= 0 and [s, e) lies in an open interval */
		const DayState *st = &sv->days[d];
		const Span *o = &st->open[span_at(st->open, st->nopen, s)];
		int64_t		fit;
		int			travel[SIDE_COUNT];
		int64_t		idle[SIDE_COUNT];

		fit = sat_add(rq->duration,
					  max64(sat_add(rq->buffer_after, rq->buffer_before), tb));
		for (side = SIDE_BEFORE; side < SIDE_COUNT; side++)
		{
			const Run  *run = &runs[side];
			int64_t		room = free_beside(sv, side, run, o, s, e, tb);

			idle[side] = room < fit ? max64(room, 0) : 0;

			/*
			 * Travel is reported for neighbours facing the slot from inside
			 * its day.  Previous ones end at or before s, so before the
			 * day's end; next ones start at or after e, so after its start:
			 * on each side only one of the bounds can fail.
			 */
			travel[side] = run->near >= 0 && run->at >= st->start &&
				run->at < rq->days[d].end ? run->travel : 0;
		}
		info->start = s;
		info->end = e;
		info->day = d;
		info->travel_before = travel[SIDE_BEFORE];
		info->travel_after = travel[SIDE_AFTER];
		info->idle_before = idle[SIDE_BEFORE];
		info->idle_after = idle[SIDE_AFTER];
	}
	return ok;
}

#undef REFUSE

/* ---------------------------------------------------------------------
 * Enumeration and explanation
 * ---------------------------------------------------------------------
 */

SlotsError
slots_solve_day(SlotsSolver *sv, int d, SlotsSlot *out, size_t capacity,
				size_t *count, bool *truncated)
{
	const SlotsRequest *rq;
	const SlotsDay *day;
	const DayState *st;
	int64_t		lo;
	int64_t		hi;
	int			oi;

	if (sv == NULL || count == NULL || truncated == NULL ||
		(out == NULL && capacity > 0))
		return SLOTS_ERR_NULL_ARGUMENT;
	rq = &sv->req;
	if (d < 0 || d >= rq->ndays)
		return SLOTS_ERR_DAY_INDEX;
	*count = 0;
	*truncated = false;
	day = &rq->days[d];
	st = &sv->days[d];

	/* whole-day refusals: check_start() would refuse every start */
	if (day->kind == SLOTS_DAY_EXCEPTION_OFF ||
		(day->max_bookings > 0 && st->nbooked >= day->max_bookings))
		return SLOTS_OK;

	/* starts allowed by rules 1-3 */
	lo = max64(max64(rq->range_start, rq->earliest_start), st->start);
	hi = min64(min64(sat_sub(rq->range_end, rq->duration), rq->latest_start),
			   sat_sub(day->end, 1));

	for (oi = 0; oi < st->nopen && lo <= hi; oi++)
	{
		int64_t		a = max64(st->open[oi].from, lo);
		int64_t		b = min64(sat_sub(st->open[oi].to, rq->duration), hi);
		int64_t		head[SLOTS_MAX_SEGMENTS];
		int64_t		last[SLOTS_MAX_SEGMENTS];
		int64_t		offset[SLOTS_MAX_SEGMENTS];
		int			ng = 0;
		int			g;
		bool		have_prev = false;
		int64_t		prev = 0;

		if (a > b)
			continue;

		/*
		 * The grid points of each segment that fall in [a, b] form an
		 * arithmetic progression of local times; merge them by absolute
		 * time, dropping instants that two local times map to.
		 */
		for (g = 0; g < day->nsegments; g++)
		{
			const SlotsSegment *seg = &day->segments[g];
			int64_t		t_lo = max64(sat_add(sat_sub(a, st->midnight),
											 seg->utc_offset),
									 seg->local_from);
			int64_t		t_hi = min64(sat_add(sat_sub(b, st->midnight),
											 seg->utc_offset),
									 seg->local_to - 1);
			int64_t		first;

			if (t_lo > t_hi)
				continue;
			/* 0 <= local_from <= t_lo <= t_hi < 24:00: rounds up, no overflow */
			first = (t_lo + sv->step - 1) / sv->step * sv->step;
			if (first > t_hi)
				continue;
			head[ng] = first;
			last[ng] = t_hi;
			offset[ng] = seg->utc_offset;
			ng++;
		}

		for (;;)
		{
			int			best = -1;
			int64_t		s = 0;
			SlotsSlot	info;

			for (g = 0; g < ng; g++)
			{
				int64_t		candidate;

				if (head[g] > last[g])
					continue;
				candidate = sat_sub(sat_add(st->midnight, head[g]), offset[g]);
				if (best < 0 || candidate < s)
				{
					best = g;
					s = candidate;
				}
			}
			if (best < 0)
				break;
			head[best] += sv->step;
			if (have_prev && s == prev)
				continue;
			have_prev = true;
			prev = s;

			if (!check_start(sv, s, NULL, &info))
				continue;
			if (*count >= capacity)
			{
				*truncated = true;
				return SLOTS_OK;
			}
			out[(*count)++] = info;
		}
	}
	return SLOTS_OK;
}

SlotsError
slots_solve(SlotsSolver *sv, SlotsSlot *out, size_t capacity, size_t *count,
			bool *truncated)
{
	int			d;

	if (sv == NULL || count == NULL || truncated == NULL ||
		(out == NULL && capacity > 0))
		return SLOTS_ERR_NULL_ARGUMENT;
	*count = 0;
	*truncated = false;
	for (d = 0; d < sv->req.ndays; d++)
	{
		size_t		n = 0;
		SlotsError	err;

		err = slots_solve_day(sv, d, capacity > *count ? out + *count : NULL,
							  capacity - *count, &n, truncated);
		if (err != SLOTS_OK)
			return err;
		*count += n;
		if (*truncated)
			break;
	}
	return SLOTS_OK;
}

SlotsError
slots_explain(SlotsSolver *sv, int64_t start, SlotsExplanation *out,
			  size_t capacity, size_t *count, bool *truncated)
{
	Sink		sink;

	if (sv == NULL || count == NULL || truncated == NULL ||
		(out == NULL && capacity > 0))
		return SLOTS_ERR_NULL_ARGUMENT;
	if (!time_ok(start))
		return SLOTS_ERR_TIME;
	sink.out = out;
	sink.capacity = capacity;
	sink.count = 0;
	sink.truncated = false;
	(void) check_start(sv, start, &sink, NULL);
	*count = sink.count;
	*truncated = sink.truncated;
	return SLOTS_OK;
}

const char *
slots_error_message(SlotsError error)
{
	if ((int) error < 0 || (int) error >= SLOTS_ERROR_COUNT)
		return "unknown slots error";
	return error_messages[error];
}

const char *
slots_reason_name(SlotsReason reason)
{
	if ((int) reason <= 0 || (int) reason >= SLOTS_REASON_COUNT)
		return "unknown";
	return reason_names[reason];
}

SlotsError
slots_day_open(const SlotsSolver *solver, int day, int64_t *from, int64_t *to,
			   size_t capacity, size_t *count, bool *truncated)
{
	const DayState *st;
	const SlotsDay *d;
	size_t		n = 0;
	int			i;

	if (solver == NULL || count == NULL || truncated == NULL ||
		(capacity > 0 && (from == NULL || to == NULL)))
		return SLOTS_ERR_NULL_ARGUMENT;
	if (day < 0 || day >= solver->req.ndays)
		return SLOTS_ERR_DAY_INDEX;
	st = &solver->days[day];
	d = &solver->req.days[day];
	*count = 0;
	*truncated = false;
	if (d->max_bookings > 0 && st->nbooked >= d->max_bookings)
		return SLOTS_OK;
	for (i = 0; i < st->nopen; i++)
	{
		if (n == capacity)
		{
			*truncated = true;
			break;
		}
		from[n] = st->open[i].from;
		to[n] = st->open[i].to;
		n++;
	}
	*count = n;
	return SLOTS_OK;
}
