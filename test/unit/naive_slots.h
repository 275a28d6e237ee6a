/*
 * test/unit/naive_slots.h
 *		The naive reference of the slot solver: every rule of src/core/slots.h
 *		evaluated as its documentation states it, one start at a time, for the
 *		tests that compare src/core/slots.c with it (the randomized part of
 *		test/unit/test_slots.c and the fuzz harness test/fuzz/fuzz_slots.c).
 *
 * It works on the solver's own SlotsRequest and uses nothing of the solver:
 * no function of slots.c is called, and each rule is a direct loop over the
 * request's days, windows and busy items (quadratic where the solver is
 * clever).  Travel minutes come from the request's callback, so a test that
 * counts the solver's calls hands in a copy of the request whose
 * travel_context is a copy of the table.
 *
 * Both tests also build their days with naive_zone_day(): the day map of a
 * zone with one daylight-saving transition, as PostgreSQL's tz code gives
 * it.
 *
 * The request must be valid (slots_validate() == SLOTS_OK); only
 * naive_local_to_abs() and naive_zone_day() also take hostile days (they
 * saturate), since the fuzz harness decodes its input with them.
 *
 * Header only, every function static inline: each test program includes it
 * once and the build (test/core.sh) needs no other file.
 */
#ifndef BOOKING_NAIVE_SLOTS_H
#define BOOKING_NAIVE_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "slots.h"

/* Clamp a wide value into int64. */
static inline int64_t
naive_saturate(__int128 v)
{
	return v > INT64_MAX ? INT64_MAX : v < INT64_MIN ? INT64_MIN : (int64_t) v;
}

/*
 * abs(t) of THE DAY MAP: local time t (microseconds after local midnight)
 * of day mapped with the segment that holds it; 24:00 (and later) maps to
 * the day's end.  INT64_MIN when no segment holds t.  Saturated, so a
 * hostile day gives a value, not an overflow.
 */
static inline int64_t
naive_local_to_abs(const SlotsDay *day, int64_t t)
{
	int			i;

	if (t >= SLOTS_USECS_PER_DAY)
		return day->end;
	for (i = 0; i < day->nsegments && i < SLOTS_MAX_SEGMENTS; i++)
		if (t >= day->segments[i].local_from && t < day->segments[i].local_to)
			return naive_saturate((__int128) day->date * SLOTS_USECS_PER_DAY + t -
								  day->segments[i].utc_offset);
	return INT64_MIN;
}

/* The start of a day's span (given; abs(00:00) unless midnight repeats). */
static inline int64_t
naive_day_start(const SlotsDay *day)
{
	return day->start;
}

/*
 * The segments of day rel of a zone with at most one transition, on day td
 * (possibly before the first or after the last day built) at local time at,
 * from offset before to after, mapped as PostgreSQL does (a gap takes the
 * offset before, an overlap the offset after).  seg has room for three
 * segments.  Returns the count.
 */
static inline int
naive_zone_map(SlotsSegment *seg, int rel, int td, int64_t at, int64_t before,
			   int64_t after)
{
	int			n = 0;

	if (rel == td && after > before)
	{
		/* gap [at, at + delta): its own segment at the offset before */
		if (at > 0)
		{
			seg[n].local_from = 0;
			seg[n].local_to = at;
			seg[n++].utc_offset = before;
		}
		seg[n].local_from = at;
		seg[n].local_to = at + (after - before);
		seg[n++].utc_offset = before;
		if (at + (after - before) < SLOTS_USECS_PER_DAY)
		{
			seg[n].local_from = at + (after - before);
			seg[n].local_to = SLOTS_USECS_PER_DAY;
			seg[n++].utc_offset = after;
		}
	}
	else if (rel == td && after < before)
	{
		/* overlap [at - delta, at): at the offset after */
		int64_t		b = at - (before - after);

		if (b > 0)
		{
			seg[n].local_from = 0;
			seg[n].local_to = b;
			seg[n++].utc_offset = before;
		}
		seg[n].local_from = b;
		seg[n].local_to = SLOTS_USECS_PER_DAY;
		seg[n++].utc_offset = after;
	}
	else
	{
		seg[n].local_from = 0;
		seg[n].local_to = SLOTS_USECS_PER_DAY;
		seg[n++].utc_offset = rel < td ? before : after;
	}
	return n;
}

/*
 * Day rel of such a zone, local date "date": its date, its day map in seg
 * (room for three segments) and its end, the next day's local midnight
 * (saturated for far dates).  The other fields are left alone.
 */
static inline void
naive_zone_day(SlotsDay *day, SlotsSegment *seg, int32_t date, int rel,
			   int td, int64_t at, int64_t before, int64_t after)
{
	SlotsSegment next[3];

	day->date = date;
	day->segments = seg;
	day->nsegments = naive_zone_map(seg, rel, td, at, before, after);
	day->start = naive_saturate((__int128) date * SLOTS_USECS_PER_DAY - seg[0].utc_offset);
	naive_zone_map(next, rel + 1, td, at, before, after);
	day->end = naive_saturate(((__int128) date + 1) * SLOTS_USECS_PER_DAY -
							  next[0].utc_offset);
}

/* Rule 3: the listed day whose span holds s, or -1. */
static inline int
naive_day_of(const SlotsRequest *rq, int64_t s)
{
	int			d;

	for (d = 0; d < rq->ndays; d++)
		if (naive_day_start(&rq->days[d]) <= s && s < rq->days[d].end)
			return d;
	return -1;
}

/*
 * Rule 5: is s one of the grid points of day d, the local times
 * k * grid_minutes below 24:00 mapped with the day map?
 */
static inline bool
naive_on_grid(const SlotsRequest *rq, int d, int64_t s)
{
	int64_t		step = (int64_t) rq->grid_minutes * SLOTS_USECS_PER_MINUTE;
	int64_t		t;

	for (t = 0; t < SLOTS_USECS_PER_DAY; t += step)
		if (naive_local_to_abs(&rq->days[d], t) == s)
			return true;
	return false;
}

/*
 * travel() of rule 8 in minutes: 0 when a location is -1 or there is no
 * callback, a negative answer counts as 0, a huge one as the maximum.
 */
static inline int
naive_travel_minutes(const SlotsRequest *rq, int from, int to)
{
	int			m;

	if (rq->travel == NULL || from < 0 || to < 0)
		return 0;
	m = rq->travel(rq->travel_context, from, to);
	return m < 0 ? 0 : m > SLOTS_MAX_TRAVEL_MINUTES ? SLOTS_MAX_TRAVEL_MINUTES : m;
}

/* Rule 8's requirement max(travel, tb), for travel minutes t. */
static inline int64_t
naive_travel_need(int t, int64_t tb)
{
	int64_t		travel = (int64_t) t * SLOTS_USECS_PER_MINUTE;

	return travel > tb ? travel : tb;
}

/*
 * duration + max(A + B, tb): the least time from the start of one
 * appointment of the service to the start of the next (for the idle time).
 */
static inline int64_t
naive_fit(const SlotsRequest *rq, int64_t tb)
{
	int64_t		buffers = rq->buffer_after + rq->buffer_before;

	return rq->duration + (buffers > tb ? buffers : tb);
}

/*
 * Rule 4: the pieces of the open time O of a day, one or two per window
 * (the window minus its own break, clipped to the span; empty pieces left
 * out, none on an exception day off), unmerged and unsorted.  pf and pt
 * have room for 2 * nwindows.  Returns the count.
 */
static inline int
naive_open_pieces(const SlotsDay *day, int64_t *pf, int64_t *pt)
{
	int64_t		start = naive_day_start(day);
	int			n = 0;
	int			i;

	if (day->kind == SLOTS_DAY_EXCEPTION_OFF)
		return 0;
	for (i = 0; i < day->nwindows; i++)
	{
		const SlotsWindow *w = &day->windows[i];
		int64_t		wf = naive_local_to_abs(day, w->from);
		int64_t		wt = naive_local_to_abs(day, w->to);
		int64_t		bf = naive_local_to_abs(day, w->break_from);
		int64_t		bt = naive_local_to_abs(day, w->break_to);

		if (wf < start)
			wf = start;
		if (wt > day->end)
			wt = day->end;
		if (wf >= wt)
			continue;
		if (w->break_from == w->break_to || bf >= bt)
		{
			pf[n] = wf;
			pt[n++] = wt;
			continue;
		}
		/* the part before the break and the part after it, if not empty */
		if (wf < bf)
		{
			pf[n] = wf;
			pt[n++] = bf < wt ? bf : wt;
		}
		if (bt < wt)
		{
			pf[n] = bt > wf ? bt : wf;
			pt[n++] = wt;
		}
	}
	return n;
}

/*
 * Rule 4: the interval [*lo, *hi) of O (the union of the open pieces,
 * touching pieces merged) that holds t, or false if O does not hold t.
 */
static inline bool
naive_open_interval(const SlotsDay *day, int64_t t, int64_t *lo, int64_t *hi)
{
	int64_t		pf[2 * SLOTS_MAX_WINDOWS];
	int64_t		pt[2 * SLOTS_MAX_WINDOWS];
	int			n;
	int			i;
	bool		changed = true;

	if (day->nwindows < 0 || day->nwindows > SLOTS_MAX_WINDOWS)
		return false;
	n = naive_open_pieces(day, pf, pt);
	for (i = 0; i < n; i++)
		if (pf[i] <= t && t < pt[i])
			break;
	if (i == n)
		return false;
	*lo = pf[i];
	*hi = pt[i];
	while (changed)
	{
		changed = false;
		for (i = 0; i < n; i++)
			if (pf[i] <= *hi && pt[i] >= *lo && (pf[i] < *lo || pt[i] > *hi))
			{
				if (pf[i] < *lo)
					*lo = pf[i];
				if (pt[i] > *hi)
					*hi = pt[i];
				changed = true;
			}
	}
	return true;
}

/*
 * Rules 1-8 for start s, rule 5 only if check_grid (a caller whose s comes
 * from naive_grid_points() knows it holds and saves its loop over the day).
 * If s is bookable and info is not NULL, fills *info with the slot and what
 * slots.h says is reported for it (day, travel minutes before and after,
 * idle time before and after).
 */
static inline bool
naive_evaluate(const SlotsRequest *rq, int64_t s, bool check_grid,
			   SlotsSlot *info)
{
	int64_t		e = s + rq->duration;
	const SlotsDay *day;
	int			d;
	int			i;
	int			count = 0;
	int64_t		tb;
	int64_t		prev = INT64_MIN;
	int64_t		next = INT64_MAX;
	int			travel_prev = 0;
	int			travel_next = 0;
	int64_t		lo;
	int64_t		hi;
	int64_t		fit;

	/* 1. range; 2. notice and horizon */
	if (s < rq->range_start || e > rq->range_end ||
		s < rq->earliest_start || s > rq->latest_start)
		return false;

	/* 3. the local day; 4. [s, e) inside O; 5. on the grid */
	d = naive_day_of(rq, s);
	if (d < 0)
		return false;
	day = &rq->days[d];
	if (!naive_open_interval(day, s, &lo, &hi) || e > hi ||
		(check_grid && !naive_on_grid(rq, d, s)))
		return false;

	/* 6. daily maximum: every busy item that starts in the day's span */
	for (i = 0; i < rq->nbusy; i++)
		if (rq->busy[i].start >= naive_day_start(day) &&
			rq->busy[i].start < day->end)
			count++;
	if (day->max_bookings > 0 && count >= day->max_bookings)
		return false;

	/* 7. buffers against every item; the neighbours for rule 8 */
	for (i = 0; i < rq->nbusy; i++)
	{
		const SlotsBusy *x = &rq->busy[i];

		if (x->start - x->buffer_before < e + rq->buffer_after &&
			x->end + x->buffer_after > s - rq->buffer_before)
			return false;
		if (x->end <= s && x->end > prev)
			prev = x->end;
		if (x->start >= e && x->start < next)
			next = x->start;
	}

	/* 8. travel against every previous and every next item (ties all) */
	tb = day->travel_buffer;
	for (i = 0; i < rq->nbusy; i++)
	{
		const SlotsBusy *x = &rq->busy[i];
		int			t;

		if (x->end == prev)
		{
			t = naive_travel_minutes(rq, x->dropoff_location, rq->pickup_location);
			if (s - prev < naive_travel_need(t, tb))
				return false;
			travel_prev = t > travel_prev ? t : travel_prev;
		}
		if (x->start == next)
		{
			t = naive_travel_minutes(rq, rq->dropoff_location, x->pickup_location);
			if (next - e < naive_travel_need(t, tb))
				return false;
			travel_next = t > travel_next ? t : travel_next;
		}
	}
	if (info == NULL)
		return true;

	/*
	 * What is reported: travel to neighbours within the day (a previous item
	 * ending at midnight counts), and the idle time beside the slot, from
	 * E (lo) and F (hi) starting with the open interval [o_from, o_to).
	 */
	info->start = s;
	info->end = e;
	info->day = d;
	info->travel_before = prev != INT64_MIN && prev >= naive_day_start(day)
		? travel_prev : 0;
	info->travel_after = next != INT64_MAX && next < day->end ? travel_next : 0;
	for (i = 0; i < rq->nbusy; i++)
	{
		const SlotsBusy *x = &rq->busy[i];

		if (x->end <= s && x->end + x->buffer_after + rq->buffer_before > lo)
			lo = x->end + x->buffer_after + rq->buffer_before;
		if (x->start >= e && x->start - x->buffer_before - rq->buffer_after < hi)
			hi = x->start - x->buffer_before - rq->buffer_after;
	}
	if (prev != INT64_MIN && prev + naive_travel_need(travel_prev, tb) > lo)
		lo = prev + naive_travel_need(travel_prev, tb);
	if (next != INT64_MAX && next - naive_travel_need(travel_next, tb) < hi)
		hi = next - naive_travel_need(travel_next, tb);
	fit = naive_fit(rq, tb);
	info->idle_before = s - lo < fit ? s - lo : 0;
	info->idle_after = hi - e < fit ? hi - e : 0;
	return true;
}

/* Is start s (any instant in the time range) bookable under rules 1-8? */
static inline bool
naive_bookable(const SlotsRequest *rq, int64_t s, SlotsSlot *info)
{
	return naive_evaluate(rq, s, true, info);
}

static inline int
naive_compare_i64(const void *x, const void *y)
{
	int64_t		a = *(const int64_t *) x;
	int64_t		b = *(const int64_t *) y;

	return a < b ? -1 : a > b;
}

/*
 * Every grid point of every listed day that lies in the day's span, sorted,
 * each instant once, into out (room for ndays * 1440).  Returns the count.
 */
static inline size_t
naive_grid_points(const SlotsRequest *rq, int64_t *out)
{
	int64_t		step = (int64_t) rq->grid_minutes * SLOTS_USECS_PER_MINUTE;
	size_t		n = 0;
	size_t		k = 0;
	size_t		i;
	int			d;

	for (d = 0; d < rq->ndays; d++)
	{
		const SlotsDay *day = &rq->days[d];
		int64_t		t;

		for (t = 0; t < SLOTS_USECS_PER_DAY; t += step)
		{
			int64_t		s = naive_local_to_abs(day, t);

			if (s >= naive_day_start(day) && s < day->end)
				out[n++] = s;
		}
	}
	qsort(out, n, sizeof(int64_t), naive_compare_i64);
	for (i = 0; i < n; i++)
		if (k == 0 || out[i] != out[k - 1])
			out[k++] = out[i];
	return k;
}

/*
 * The naive slot list: the bookable ones of points[0..npoints-1], the
 * sorted grid points from naive_grid_points(), in order, into out.  Each
 * point is a grid point of the day it came from, which is its day by rule 3
 * (spans do not overlap), so rule 5 holds.  Returns the count.
 */
static inline size_t
naive_slots(const SlotsRequest *rq, const int64_t *points, size_t npoints,
			SlotsSlot *out)
{
	size_t		n = 0;
	size_t		i;

	for (i = 0; i < npoints; i++)
		if (naive_evaluate(rq, points[i], false, &out[n]))
			n++;
	return n;
}

/* Two slots equal in every field the solver reports. */
static inline bool
naive_same_slot(const SlotsSlot *a, const SlotsSlot *b)
{
	return a->start == b->start && a->end == b->end && a->day == b->day &&
		a->travel_before == b->travel_before &&
		a->travel_after == b->travel_after &&
		a->idle_before == b->idle_before && a->idle_after == b->idle_after;
}

#endif							/* BOOKING_NAIVE_SLOTS_H */
