/*
 * test/fuzz/fuzz_slots.c
 *		libFuzzer harness for src/core/slots.c.
 *
 * The input bytes are decoded into a request: one to four consecutive local
 * days of a zone with a daylight-saving transition anywhere (or a hostile
 * day map with arbitrary segments and offsets), working windows and breaks,
 * exceptions, busy items with buffers and locations, a travel table with
 * negative and huge entries, grid, notice, horizon and range.  Values are
 * mostly in range (so the solver runs), often on a bound, and sometimes
 * raw, huge, inverted or extreme (then validation must refuse them).
 *
 * For every accepted request the harness aborts unless:
 *	 - count <= capacity, and the slots are sorted and distinct;
 *	 - every slot lies inside an open interval of its day (windows minus
 *	   breaks, clipped to the day), starts on a grid point of its day, lies
 *	   in the range, notice and horizon, and its occupied interval meets no
 *	   busy item's occupied interval;
 *	 - the gaps to the previous and next busy items cover travel and the
 *	   travel buffer, and the daily maximum is respected;
 *	 - the list equals the naive evaluation of the rules of slots.h
 *	   (test/unit/naive_slots.h) at every grid point (including travel and
 *	   idle minutes), or is a prefix of it when truncated;
 *	 - slots_explain() gives no reason for a listed start and at least one
 *	   for every other grid point and random instant, and a random instant
 *	   is listed iff the naive rules allow it;
 *	 - the travel callback is asked at most once per item and direction;
 *	 - slots_day_travel_bound() is at most the travel_before +
 *	   travel_after of every slot of its day (find_slots' bound).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slots.h"
#include "reader.h"
#include "../unit/naive_slots.h"

#define CHECK(cond, what) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "fuzz_slots: invariant failed: %s (%s, line %d)\n", \
					(what), #cond, __LINE__); \
			abort(); \
		} \
	} while (0)

#define US_MIN		SLOTS_USECS_PER_MINUTE
#define US_DAY		SLOTS_USECS_PER_DAY

#define FDAYS		4
#define FWINDOWS	4
#define FBUSY		16
#define FLOCS		5

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t
take_i64(Reader *r)
{
	return (int64_t) take_u64(r, 8);
}

static int
take_i16(Reader *r)
{
	return (int16_t) (uint16_t) take_u64(r, 2);
}

/* Mostly small, sometimes an extreme int64. */
static int64_t
extreme(Reader *r)
{
	switch (take_u8(r) % 8)
	{
		case 0:
			return INT64_MIN;
		case 1:
			return INT64_MAX;
		case 2:
			return SLOTS_TIME_MIN;
		case 3:
			return SLOTS_TIME_MAX;
		case 4:
			return SLOTS_TIME_MAX + 1;
		case 5:
			return -1;
		default:
			return take_i64(r);
	}
}

/* A duration: default + 5-minute steps, or (1 in 32) something extreme. */
static int64_t
duration(Reader *r, int64_t dflt, int lo_steps, int hi_steps)
{
	uint8_t		b = take_u8(r);

	if (b >= 248)
		return b == 255 ? extreme(r) : (int64_t) (b - 252) * US_DAY + take_u8(r) - 128;
	return dflt + (int64_t) (lo_steps + b % (hi_steps - lo_steps + 1)) * 5 * US_MIN;
}

typedef struct Travel
{
	int			minutes[FLOCS][FLOCS];
	int			calls;
} Travel;

static int
travel_cb(void *context, int from, int to)
{
	Travel	   *t = context;

	CHECK(from >= 0 && to >= 0, "travel asked for an unknown location");
	t->calls++;
	if (from >= FLOCS || to >= FLOCS)
		return 0;
	return t->minutes[from][to];
}

typedef struct Input
{
	SlotsSegment seg[FDAYS][SLOTS_MAX_SEGMENTS];
	SlotsWindow win[FDAYS][FWINDOWS];
	SlotsDay	days[FDAYS];
	SlotsBusy	busy[FBUSY];
	Travel		travel;
	Travel		naive_travel;	/* a copy, so the naive calls are not counted */
	SlotsRequest rq;
	SlotsRequest naive_rq;		/* rq asking naive_travel, for naive_slots.h */
} Input;

static void
decode(Reader *r, Input *in)
{
	SlotsRequest *rq = &in->rq;
	uint8_t		mode = take_u8(r);
	int			ndays = 1 + mode % FDAYS;
	bool		hostile_map = (mode & 0xf0) == 0xf0;
	int32_t		date = 8766 + take_i16(r);	/* around 2024-01-01 */
	int64_t		before = (int64_t) ((int8_t) take_u8(r) % 57) * 15 * US_MIN;
	int64_t		delta = (int64_t) ((int8_t) take_u8(r) % 9) * 15 * US_MIN;
	int64_t		after = before + delta;
	int64_t		at;
	int			td = take_u8(r) % (ndays + 1);
	int			d;
	int			i;
	uint8_t		b;

	memset(in, 0, sizeof(*in));
	b = take_u8(r);
	at = (int64_t) (b % 97) * 15 * US_MIN;	/* 00:00 .. 24:00 */
	if (delta > 0 && at + delta > US_DAY)
		at = US_DAY - delta;
	if (delta < 0 && at < -delta)
		at = -delta;
	if (b == 255)
		date = (int32_t) take_i64(r);	/* far dates, some invalid */

	for (d = 0; d < ndays; d++)
	{
		SlotsDay   *day = &in->days[d];
		uint8_t		k;
		int			nw;

		day->date = (int32_t) ((int64_t) date + d);
		day->segments = in->seg[d];
		if (!hostile_map)
			naive_zone_day(day, in->seg[d], day->date, d, td, at, before, after);
		else
		{
			/* any tiling (sometimes a broken one), any offsets, any end */
			int			n = 1 + take_u8(r) % SLOTS_MAX_SEGMENTS;
			int64_t		from = 0;

			for (i = 0; i < n; i++)
			{
				int64_t		to = i == n - 1 ? US_DAY
					: from + 1 + (int64_t) take_u8(r) * 7 * US_MIN + take_u8(r) % 3;

				if (to > US_DAY)
					to = US_DAY;
				in->seg[d][i].local_from = from;
				in->seg[d][i].local_to = to;
				in->seg[d][i].utc_offset = (int64_t) take_i16(r) * 3 * US_MIN;
				if (take_u8(r) == 255)
					in->seg[d][i].utc_offset = extreme(r);
				from = to;
			}
			day->nsegments = n;
			day->start = naive_saturate((__int128) day->date * US_DAY -
										in->seg[d][0].utc_offset -
										(int64_t) (take_u8(r) % 4) * 30 * US_MIN);
			if (take_u8(r) == 255)
				day->start = extreme(r);
			if (take_u8(r) == 255)
				day->nsegments = 0;
			day->end = naive_saturate((__int128) day->date * US_DAY -
									  in->seg[d][0].utc_offset +
									  (int64_t) (1 + take_u8(r) % 64) * 45 * US_MIN);
			if (take_u8(r) == 255)
				day->end = extreme(r);
		}

		k = take_u8(r);
		day->kind = k < 220 ? SLOTS_DAY_REGULAR
			: k < 236 ? SLOTS_DAY_EXCEPTION_OFF
			: k < 254 ? SLOTS_DAY_EXCEPTION_HOURS : (SlotsDayKind) (k - 251);
		nw = (take_u8(r) + 1) % (FWINDOWS + 1);
		day->nwindows = nw;
		day->windows = in->win[d];
		for (i = 0; i < nw; i++)
		{
			SlotsWindow *w = &in->win[d][i];
			uint8_t		f = take_u8(r);
			uint8_t		l = take_u8(r);
			uint8_t		bk = take_u8(r);

			w->from = (int64_t) ((36 + f) % 97) * 15 * US_MIN;
			w->to = w->from + (int64_t) (1 + (31 + l) % 64) * 15 * US_MIN;
			if (w->to > US_DAY || l == 200)
				w->to = US_DAY;
			if (f == 255)
				w->from = extreme(r);
			if (l == 255)
				w->to = w->from;
			w->break_from = w->break_to = 0;
			if (bk % 2 == 1 && w->from >= 0 && w->from < w->to &&
				w->to - w->from > 15 * US_MIN)
			{
				int64_t		q = (w->to - w->from) / (15 * US_MIN);

				w->break_from = w->from + (int64_t) (bk / 2 % q) * 15 * US_MIN;
				w->break_to = w->break_from + (int64_t) (1 + take_u8(r) % 8) * 15 * US_MIN;
				if (w->break_to > w->to)
					w->break_to = w->to;
				if (bk == 255)
					w->break_to = w->break_from - 1;
			}
		}
		k = take_u8(r);
		day->max_bookings = k < 160 ? 0 : k < 250 ? k % 4 : -(int) (k % 3);
		day->travel_buffer = duration(r, 0, 0, 6);
	}

	rq->days = in->days;
	rq->ndays = ndays;
	b = take_u8(r);
	if (b == 255)
		rq->ndays = take_u8(r) % 2 ? -1 : SLOTS_MAX_DAYS + 1;

	rq->nbusy = take_u8(r) % (FBUSY + 1);
	rq->busy = in->busy;
	for (i = 0; i < rq->nbusy; i++)
	{
		SlotsBusy  *x = &in->busy[i];
		uint8_t		g = take_u8(r);
		int64_t		grain = (g % 2 ? 5 : 60) * US_MIN;

		x->id = 1000 + i;
		x->start = naive_saturate((__int128) date * US_DAY +
								  (int64_t) (take_i16(r) % (28 * 60 / 5)) * grain %
								  (5 * US_DAY));
		x->end = naive_saturate((__int128) x->start +
								(1 + take_u8(r) % 30) * 5 * US_MIN);
		x->buffer_before = duration(r, 0, 0, 6);
		x->buffer_after = duration(r, 0, 0, 6);
		x->pickup_location = take_u8(r) % (FLOCS + 1) - 1;
		x->dropoff_location = take_u8(r) % (FLOCS + 1) - 1;
		if (g == 255)
			x->end = naive_saturate((__int128) x->start - take_u8(r) % 2);
		if (g == 254)
			x->start = extreme(r);
		if (g == 253)
			x->dropoff_location = -2;
	}
	if (take_u8(r) == 255)
		rq->nbusy = SLOTS_MAX_BUSY + 1;

	rq->duration = duration(r, 0, 1, 36);
	rq->buffer_before = duration(r, 0, 0, 6);
	rq->buffer_after = duration(r, 0, 0, 6);
	rq->pickup_location = take_u8(r) % (FLOCS + 1) - 1;
	rq->dropoff_location = take_u8(r) % (FLOCS + 1) - 1;
	b = take_u8(r);
	{
		static const int grids[] = {15, 5, 7, 10, 20, 30, 45, 60, 90, 1440, 1, 13};

		rq->grid_minutes = b < 240 ? grids[b % 12]
			: b < 250 ? 1 + take_u8(r) * 6 : (int) take_i16(r);
	}
	rq->range_start = naive_saturate((__int128) naive_day_start(&in->days[0]) +
									 (int64_t) ((int8_t) take_u8(r)) * 15 * US_MIN);
	rq->range_end = naive_saturate((__int128) in->days[ndays - 1].end -
								   (int64_t) ((int8_t) take_u8(r)) * 15 * US_MIN);
	b = take_u8(r);
	if (b == 255)
		rq->range_start = extreme(r);
	if (b == 254)
		rq->range_end = extreme(r);
	if (b == 253)
		rq->range_end = naive_saturate((__int128) rq->range_start +
									   SLOTS_MAX_RANGE_DAYS * US_DAY + take_u8(r) % 2);
	b = take_u8(r);
	rq->earliest_start = b % 4 == 0
		? naive_saturate((__int128) rq->range_start +
						 (int64_t) take_u8(r) * 15 * US_MIN)
		: b % 4 == 1 ? extreme(r) : SLOTS_TIME_MIN;
	b = take_u8(r);
	rq->latest_start = b % 4 == 0
		? naive_saturate((__int128) rq->range_end -
						 (int64_t) take_u8(r) * 15 * US_MIN)
		: b % 4 == 1 ? extreme(r) : SLOTS_TIME_MAX;

	for (i = 0; i < FLOCS * FLOCS; i++)
	{
		uint8_t		m = take_u8(r);

		in->travel.minutes[i / FLOCS][i % FLOCS] =
			m < 240 ? m % 91 - 10 : m == 255 ? (int) take_i64(r) : 1000 + m * 10;
	}
	rq->travel = take_u8(r) % 8 == 7 ? NULL : travel_cb;
	rq->travel_context = &in->travel;
	in->naive_travel = in->travel;
	in->naive_rq = *rq;
	in->naive_rq.travel_context = &in->naive_travel;
}

/* Listed start?  The list is sorted. */
static bool
listed(const SlotsSlot *v, size_t n, int64_t s)
{
	size_t		lo = 0;
	size_t		hi = n;

	while (lo < hi)
	{
		size_t		mid = lo + (hi - lo) / 2;

		if (v[mid].start < s)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && v[lo].start == s;
}

/* Each reason holds, with the arguments slots.h documents. */
static void
check_reason(const Input *in, int64_t s, const SlotsExplanation *w)
{
	const SlotsRequest *rq = &in->rq;
	const SlotsRequest *naive = &in->naive_rq;
	int64_t		e = s + rq->duration;
	const SlotsBusy *x = w->item >= 0 ? &rq->busy[w->item] : NULL;
	const SlotsDay *day = w->day >= 0 ? &in->days[w->day] : NULL;

	CHECK(w->day == naive_day_of(rq, s), "reason: the day of the start");
	switch (w->reason)
	{
		case SLOTS_REASON_OUTSIDE_RANGE:
			CHECK((s < rq->range_start || e > rq->range_end) &&
				  w->from == rq->range_start && w->to == rq->range_end, "outside range");
			break;
		case SLOTS_REASON_NOTICE:
			CHECK(s < rq->earliest_start && w->have == s &&
				  w->need == rq->earliest_start, "notice");
			break;
		case SLOTS_REASON_HORIZON:
			CHECK(s > rq->latest_start && w->have == s &&
				  w->need == rq->latest_start, "horizon");
			break;
		case SLOTS_REASON_DAY_OFF:
			CHECK(day != NULL && day->kind == SLOTS_DAY_EXCEPTION_OFF, "day off");
			break;
		case SLOTS_REASON_OUTSIDE_HOURS:
		case SLOTS_REASON_EXCEPTION_HOURS:
			CHECK(day == NULL ? w->reason == SLOTS_REASON_OUTSIDE_HOURS
				  : day->kind == (w->reason == SLOTS_REASON_OUTSIDE_HOURS
								  ? SLOTS_DAY_REGULAR : SLOTS_DAY_EXCEPTION_HOURS),
				  "outside hours on the right kind of day");
			break;
		case SLOTS_REASON_IN_BREAK:
			CHECK(day != NULL && w->from < w->to && w->from < e && w->to > s,
				  "in a break that meets the slot");
			break;
		case SLOTS_REASON_OFF_GRID:
			CHECK(day != NULL && w->need == (int64_t) rq->grid_minutes * US_MIN, "off grid");
			break;
		case SLOTS_REASON_DAILY_MAXIMUM:
			CHECK(day != NULL && day->max_bookings > 0 && w->need == day->max_bookings &&
				  w->have >= w->need, "daily maximum");
			break;
		case SLOTS_REASON_OVERLAP:
			CHECK(x != NULL && x->start < e && x->end > s && w->from == x->start &&
				  w->to == x->end, "overlap");
			break;
		case SLOTS_REASON_BUFFER_FROM:
			CHECK(x != NULL && x->end <= s && w->have == s - x->end &&
				  w->need == x->buffer_after + rq->buffer_before && w->have < w->need,
				  "buffer from");
			break;
		case SLOTS_REASON_BUFFER_TO:
			CHECK(x != NULL && x->start >= e && w->have == x->start - e &&
				  w->need == rq->buffer_after + x->buffer_before && w->have < w->need,
				  "buffer to");
			break;
		case SLOTS_REASON_TRAVEL_FROM:
			CHECK(x != NULL && x->end <= s && w->have == s - x->end &&
				  w->travel_minutes == naive_travel_minutes(naive, x->dropoff_location,
															rq->pickup_location) &&
				  w->need == naive_travel_need(w->travel_minutes,
											   day != NULL ? day->travel_buffer : 0) &&
				  w->have < w->need, "travel from");
			break;
		case SLOTS_REASON_TRAVEL_TO:
			CHECK(x != NULL && x->start >= e && w->have == x->start - e &&
				  w->travel_minutes == naive_travel_minutes(naive, rq->dropoff_location,
															x->pickup_location) &&
				  w->need == naive_travel_need(w->travel_minutes,
											   day != NULL ? day->travel_buffer : 0) &&
				  w->have < w->need, "travel to");
			break;
		default:
			CHECK(false, "known reason");
	}
}

static SlotsSlot got[FDAYS * 1440];
static SlotsSlot want[FDAYS * 1440];
static int64_t grid[FDAYS * 1440];
static SlotsExplanation why[256];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Reader		r = {data, size, 0};
	static Input in;
	SlotsRequest *rq = &in.rq;
	SlotsFault	fault;
	SlotsError	err;
	size_t		wsize = 0;
	uint64_t   *ws;
	SlotsSolver *sv = NULL;
	size_t		ngot = 0;
	size_t		nwant = 0;
	size_t		ngrid = 0;
	size_t		capacity;
	size_t		i;
	int			d;
	int			calls_before_bound;
	bool		truncated = false;
	uint8_t		cap_byte;

	decode(&r, &in);
	cap_byte = take_u8(&r);

	err = slots_validate(rq, &fault);
	CHECK(err >= 0 && err < SLOTS_ERROR_COUNT, "error code in range");
	CHECK(strlen(slots_error_message(err)) > 0, "error message");
	if (err != SLOTS_OK)
	{
		SlotsError	again = slots_workspace_size(rq, &wsize);

		if (again == SLOTS_OK && wsize < (64u << 20))
		{
			ws = malloc(wsize + 8);
			CHECK(ws != NULL, "malloc");
			CHECK(slots_init(rq, ws, wsize, &sv, NULL) == err, "init agrees with validate");
			free(ws);
		}
		return 0;
	}
	CHECK(fault.day == -1 && fault.element == -1, "no fault on success");
	CHECK(slots_workspace_size(rq, &wsize) == SLOTS_OK, "workspace size");
	ws = malloc(wsize);
	CHECK(ws != NULL, "malloc");
	CHECK(slots_init(rq, ws, wsize, &sv, NULL) == SLOTS_OK, "init");
	CHECK(slots_init(rq, ws, wsize - 1, &sv, NULL) == SLOTS_ERR_WORKSPACE ||
		  wsize == 0, "init with one byte less");
	CHECK(slots_init(rq, ws, wsize, &sv, NULL) == SLOTS_OK, "init again");
	CHECK(slots_day_capacity(sv) ==
		  (size_t) ((1440 + rq->grid_minutes - 1) / rq->grid_minutes), "day capacity");

	/* solve day by day, sometimes with a small capacity */
	for (d = 0; d < rq->ndays && !truncated; d++)
	{
		size_t		n = 0;

		capacity = cap_byte >= 224 ? cap_byte % 4 : slots_day_capacity(sv);
		CHECK(slots_solve_day(sv, d, got + ngot, capacity, &n, &truncated) == SLOTS_OK,
			  "solve_day");
		CHECK(n <= capacity, "count within capacity");
		CHECK(!truncated || n == capacity, "truncated only when full");
		ngot += n;
	}

	/*
	 * find_slots' bound: no slot of a day travels less than its bound (its
	 * calls of travel are not the solver's, so they are not counted)
	 */
	calls_before_bound = in.travel.calls;
	for (d = 0; d < rq->ndays; d++)
	{
		int			bound = -1;

		CHECK(slots_day_travel_bound(rq, d, &bound) == SLOTS_OK && bound >= 0, "travel bound");
		for (i = 0; i < ngot; i++)
			CHECK(got[i].day != d || got[i].travel_before + got[i].travel_after >= bound,
				  "a slot travels less than its day's travel bound");
	}
	{
		int			nb;

		CHECK(slots_day_travel_bound(rq, rq->ndays, &nb) == SLOTS_ERR_DAY_INDEX, "travel bound of no day");
	}
	in.travel.calls = calls_before_bound;

	/* the naive list: the rules at every grid point of every day */
	ngrid = naive_grid_points(&in.naive_rq, grid);
	nwant = naive_slots(&in.naive_rq, grid, ngrid, want);

	/* the listed slots: the invariants, one by one */
	for (i = 0; i < ngot; i++)
	{
		const SlotsSlot *s = &got[i];
		const SlotsDay *day;
		int64_t		lo;
		int64_t		hi;
		int64_t		fit;
		int			j;
		size_t		nwhy;
		bool		more;

		CHECK(i == 0 || got[i - 1].start < s->start, "sorted and distinct");
		CHECK(s->day >= 0 && s->day < rq->ndays && naive_day_of(rq, s->start) == s->day,
			  "the day contains the start");
		day = &in.days[s->day];
		CHECK(s->end - s->start == rq->duration, "duration");
		CHECK(s->start >= rq->range_start && s->end <= rq->range_end, "inside the range");
		CHECK(s->start >= rq->earliest_start && s->start <= rq->latest_start,
			  "notice and horizon");
		CHECK(naive_open_interval(day, s->start, &lo, &hi) && s->end <= hi,
			  "inside an open interval");
		CHECK(naive_on_grid(rq, s->day, s->start), "on the grid");
		for (j = 0; j < rq->nbusy; j++)
		{
			const SlotsBusy *x = &rq->busy[j];

			CHECK(!(x->start - x->buffer_before < s->end + rq->buffer_after &&
					x->end + x->buffer_after > s->start - rq->buffer_before),
				  "no busy item within its buffers");
		}
		CHECK(s->travel_before >= 0 && s->travel_before <= SLOTS_MAX_TRAVEL_MINUTES &&
			  s->travel_after >= 0 && s->travel_after <= SLOTS_MAX_TRAVEL_MINUTES,
			  "travel minutes in range");
		fit = naive_fit(rq, day->travel_buffer);
		CHECK(s->idle_before >= 0 && s->idle_after >= 0 &&
			  s->idle_before < fit && s->idle_after < fit, "idle time in range");
		CHECK(slots_explain(sv, s->start, why, 256, &nwhy, &more) == SLOTS_OK &&
			  nwhy == 0 && !more, "a listed start has no reason");
		CHECK(i < nwant && naive_same_slot(s, &want[i]), "equals the naive rules");
	}
	CHECK(truncated ? ngot <= nwant : ngot == nwant, "as many slots as the naive rules");

	/* explain at every grid point and some other instants */
	for (i = 0; i < ngrid + 16; i++)
	{
		int64_t		s = i < ngrid ? grid[i] : take_u8(&r) % 4 == 0 ? extreme(&r)
			: naive_day_start(&in.days[0]) + (int64_t) take_i16(&r) * 7 * US_MIN +
			take_u8(&r);
		size_t		nwhy = 0;
		bool		more = false;
		SlotsError	e = slots_explain(sv, s, why, 256, &nwhy, &more);
		size_t		j;

		if (s < SLOTS_TIME_MIN || s > SLOTS_TIME_MAX)
		{
			CHECK(e == SLOTS_ERR_TIME, "explain refuses an out-of-range instant");
			continue;
		}
		CHECK(e == SLOTS_OK && !more, "explain");
		for (j = 0; j < nwhy; j++)
		{
			CHECK(why[j].reason >= 1 && why[j].reason < SLOTS_REASON_COUNT, "reason code");
			CHECK(j == 0 || why[j - 1].reason <= why[j].reason ||
				  (why[j - 1].reason >= SLOTS_REASON_OVERLAP &&
				   why[j - 1].reason <= SLOTS_REASON_BUFFER_TO &&
				   why[j].reason >= SLOTS_REASON_OVERLAP &&
				   why[j].reason <= SLOTS_REASON_BUFFER_TO), "reasons in rule order");
			CHECK(why[j].item >= -1 && why[j].item < rq->nbusy, "reason item");
			CHECK(why[j].item < 0 || why[j].item_id == rq->busy[why[j].item].id,
				  "reason item id");
			CHECK(why[j].day >= -1 && why[j].day < rq->ndays, "reason day");
			check_reason(&in, s, &why[j]);
		}
		if (!truncated)
			CHECK(listed(got, ngot, s) == (nwhy == 0), "listed iff no reason");
		if (!truncated && i >= ngrid)
			CHECK(listed(got, ngot, s) == naive_bookable(&in.naive_rq, s, NULL),
				  "listed iff the naive rules allow it");
	}

	CHECK(rq->travel == NULL || in.travel.calls <= 2 * rq->nbusy,
		  "travel asked at most once per item and direction");
	free(ws);
	return 0;
}
