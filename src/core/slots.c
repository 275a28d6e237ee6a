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
 *	 BusyKey by_end[n], int end_first[n], int64 end_pad_max[n]
 *	 BusyKey by_start[n], int start_last[n], int64 start_pad_min[n]
 *	 int travel_from[n], travel_to[n], run_from[n], run_to[n]
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

struct SlotsSolver
{
	SlotsRequest req;			/* copy; the arrays are the caller's */
	int64_t		step;			/* grid step in microseconds */
	DayState   *days;

	/* rule 7: occupied intervals by occupied start, prefix max of ends */
	BusyKey    *by_pad;			/* a = start - B, b = end + A */
	int64_t    *pad_max;

	/* rule 8, previous items: by end; runs of equal ends */
	BusyKey    *by_end;			/* a = end, b = start */
	int		   *end_first;		/* first position of the run */
	int64_t    *end_pad_max;	/* prefix max of end + buffer_after */

	/* rule 8, next items: by start; runs of equal starts */
	BusyKey    *by_start;		/* a = start, b = end */
	int		   *start_last;		/* last position of the run */
	int64_t    *start_pad_min;	/* suffix min of start - buffer_before */

	/* memoized travel minutes, -1 = not asked yet */
	int		   *travel_from;	/* per item: its dropoff -> new pickup */
	int		   *travel_to;		/* per item: new dropoff -> its pickup */
	int		   *run_from;		/* per run of by_end, at its first position */
	int		   *run_to;			/* per run of by_start, at its first position */
};

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
	[SLOTS_ERR_DAY_SPAN] = "local day span must be positive and at most two days",
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

/* First position whose key a is > x (n if none). */
static int
keys_upper_bound(const BusyKey *v, int n, int64_t x)
{
	int			lo = 0;
	int			hi = n;

	while (lo < hi)
	{
		int			mid = lo + (hi - lo) / 2;

		if (v[mid].a <= x)
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
	start = map_local(day, (int64_t) day->date * SLOTS_USECS_PER_DAY, 0);
	if (!time_ok(start))
		return SLOTS_ERR_TIME;
	if (day->end <= start ||
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
	sv->by_end = carve(base, &off, n, sizeof(BusyKey));
	sv->end_first = carve(base, &off, n, sizeof(int));
	sv->end_pad_max = carve(base, &off, n, sizeof(int64_t));
	sv->by_start = carve(base, &off, n, sizeof(BusyKey));
	sv->start_last = carve(base, &off, n, sizeof(int));
	sv->start_pad_min = carve(base, &off, n, sizeof(int64_t));
	sv->travel_from = carve(base, &off, n, sizeof(int));
	sv->travel_to = carve(base, &off, n, sizeof(int));
	sv->run_from = carve(base, &off, n, sizeof(int));
	sv->run_to = carve(base, &off, n, sizeof(int));
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
	st->start = map_local(day, st->midnight, 0);
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

static void
build_busy(SlotsSolver *sv, void *scratch)
{
	const SlotsBusy *busy = sv->req.busy;
	int			n = sv->req.nbusy;
	int			i;

	for (i = 0; i < n; i++)
	{
		sv->by_pad[i].a = sat_sub(busy[i].start, busy[i].buffer_before);
		sv->by_pad[i].b = sat_add(busy[i].end, busy[i].buffer_after);
		sv->by_pad[i].idx = i;
		sv->by_end[i].a = busy[i].end;
		sv->by_end[i].b = busy[i].start;
		sv->by_end[i].idx = i;
		sv->by_start[i].a = busy[i].start;
		sv->by_start[i].b = busy[i].end;
		sv->by_start[i].idx = i;
		sv->travel_from[i] = -1;
		sv->travel_to[i] = -1;
		sv->run_from[i] = -1;
		sv->run_to[i] = -1;
	}
	merge_sort(sv->by_pad, (size_t) n, sizeof(BusyKey), compare_keys, scratch);
	merge_sort(sv->by_end, (size_t) n, sizeof(BusyKey), compare_keys, scratch);
	merge_sort(sv->by_start, (size_t) n, sizeof(BusyKey), compare_keys, scratch);

	for (i = 0; i < n; i++)
	{
		const SlotsBusy *x = &busy[sv->by_end[i].idx];
		int64_t		padded_end = sat_add(x->end, x->buffer_after);

		sv->pad_max[i] = i == 0 ? sv->by_pad[i].b
			: max64(sv->pad_max[i - 1], sv->by_pad[i].b);
		sv->end_first[i] = (i > 0 && sv->by_end[i - 1].a == sv->by_end[i].a)
			? sv->end_first[i - 1] : i;
		sv->end_pad_max[i] = i == 0 ? padded_end
			: max64(sv->end_pad_max[i - 1], padded_end);
	}
	for (i = n - 1; i >= 0; i--)
	{
		const SlotsBusy *x = &busy[sv->by_start[i].idx];
		int64_t		padded_start = sat_sub(x->start, x->buffer_before);

		sv->start_last[i] =
			(i < n - 1 && sv->by_start[i + 1].a == sv->by_start[i].a)
			? sv->start_last[i + 1] : i;
		sv->start_pad_min[i] = i == n - 1 ? padded_start
			: min64(sv->start_pad_min[i + 1], padded_start);
	}
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
ask_travel(const SlotsSolver *sv, int from, int to)
{
	int			minutes;

	if (sv->req.travel == NULL || from < 0 || to < 0)
		return 0;
	minutes = sv->req.travel(sv->req.travel_context, from, to);
	if (minutes < 0)
		return 0;
	if (minutes > SLOTS_MAX_TRAVEL_MINUTES)
		return SLOTS_MAX_TRAVEL_MINUTES;
	return minutes;
}

/* Minutes from busy[idx]'s dropoff to the new pickup. */
static int
item_travel_from(SlotsSolver *sv, int idx)
{
	if (sv->travel_from[idx] < 0)
		sv->travel_from[idx] = ask_travel(sv, sv->req.busy[idx].dropoff_location,
										  sv->req.pickup_location);
	return sv->travel_from[idx];
}

/* Minutes from the new dropoff to busy[idx]'s pickup. */
static int
item_travel_to(SlotsSolver *sv, int idx)
{
	if (sv->travel_to[idx] < 0)
		sv->travel_to[idx] = ask_travel(sv, sv->req.dropoff_location,
										sv->req.busy[idx].pickup_location);
	return sv->travel_to[idx];
}

/* Greatest item_travel_from over by_end[first..last]. */
static int
run_travel_from(SlotsSolver *sv, int first, int last)
{
	if (sv->run_from[first] < 0)
	{
		int			m = 0;
		int			p;

		for (p = first; p <= last; p++)
		{
			int			t = item_travel_from(sv, sv->by_end[p].idx);

			if (t > m)
				m = t;
		}
		sv->run_from[first] = m;
	}
	return sv->run_from[first];
}

/* Greatest item_travel_to over by_start[first..last]. */
static int
run_travel_to(SlotsSolver *sv, int first, int last)
{
	if (sv->run_to[first] < 0)
	{
		int			m = 0;
		int			p;

		for (p = first; p <= last; p++)
		{
			int			t = item_travel_to(sv, sv->by_start[p].idx);

			if (t > m)
				m = t;
		}
		sv->run_to[first] = m;
	}
	return sv->run_to[first];
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
	int			q;
	int			p;
	int			i;
	int			travel_prev = 0;
	int			travel_next = 0;

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

	/* rule 8: travel from the previous items */
	q = keys_upper_bound(sv->by_end, n, s);
	if (q > 0)
	{
		int			first = sv->end_first[q - 1];
		int64_t		gap = sat_sub(s, sv->by_end[q - 1].a);

		travel_prev = run_travel_from(sv, first, q - 1);
		if (gap < max64(minutes_us(travel_prev), tb))
		{
			REFUSE();
			for (i = first; i <= q - 1; i++)
			{
				int			idx = sv->by_end[i].idx;
				int			t = item_travel_from(sv, idx);
				int64_t		need = max64(minutes_us(t), tb);

				if (gap < need)
					emit(sink, SLOTS_REASON_TRAVEL_FROM, d, sv, idx, gap, need,
						 0, 0, t);
			}
		}
	}

	/* rule 8: travel to the next items */
	p = keys_lower_bound(sv->by_start, n, e);
	if (p < n)
	{
		int			last = sv->start_last[p];
		int64_t		gap = sat_sub(sv->by_start[p].a, e);

		travel_next = run_travel_to(sv, p, last);
		if (gap < max64(minutes_us(travel_next), tb))
		{
			REFUSE();
			for (i = p; i <= last; i++)
			{
				int			idx = sv->by_start[i].idx;
				int			t = item_travel_to(sv, idx);
				int64_t		need = max64(minutes_us(t), tb);

				if (gap < need)
					emit(sink, SLOTS_REASON_TRAVEL_TO, d, sv, idx, gap, need,
						 0, 0, t);
			}
		}
	}

	if (ok && info != NULL)
	{
		/* s is bookable, so d >= 0 and [s, e) lies in an open interval */
		const DayState *st = &sv->days[d];
		const Span *o = &st->open[span_at(st->open, st->nopen, s)];
		int64_t		earliest = o->from;
		int64_t		latest = o->to;
		int64_t		fit;

		info->start = s;
		info->end = e;
		info->day = d;
		info->travel_before = 0;
		info->travel_after = 0;
		if (q > 0)
		{
			int64_t		prev_end = sv->by_end[q - 1].a;

			earliest = max64(earliest, sat_add(sv->end_pad_max[q - 1],
											   rq->buffer_before));
			earliest = max64(earliest,
							 sat_add(prev_end,
									 max64(minutes_us(travel_prev), tb)));
			if (prev_end >= st->start)
				info->travel_before = travel_prev;
		}
		if (p < n)
		{
			int64_t		next_start = sv->by_start[p].a;

			latest = min64(latest, sat_sub(sv->start_pad_min[p],
										   rq->buffer_after));
			latest = min64(latest,
						   sat_sub(next_start,
								   max64(minutes_us(travel_next), tb)));
			if (next_start < rq->days[d].end)
				info->travel_after = travel_next;
		}
		fit = sat_add(rq->duration,
					  max64(sat_add(rq->buffer_after, rq->buffer_before), tb));
		info->idle_before = sat_sub(s, earliest) < fit
			? max64(sat_sub(s, earliest), 0) : 0;
		info->idle_after = sat_sub(latest, e) < fit
			? max64(sat_sub(latest, e), 0) : 0;
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
