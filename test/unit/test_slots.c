/*
 * test/unit/test_slots.c
 *		Unit tests of src/core/slots.c: the day map on daylight-saving days
 *		(Europe/Berlin, America/New_York, Australia/Lord_Howe, Asia/Tokyo),
 *		a hand-computed working day with a break, buffers and travel, every
 *		reason and every error code, and randomized days compared with the
 *		naive reference of the rules in slots.h (naive_slots.h), with the
 *		check that a start is listed if and only if slots_explain() gives no
 *		reason.
 *
 * Expected instants were computed by hand and checked against PostgreSQL
 * 15 with (date + time) AT TIME ZONE zone and generate_series.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slots.h"
#include "naive_slots.h"
#include "tap.h"

#define US_MIN		SLOTS_USECS_PER_MINUTE
#define US_HOUR		SLOTS_USECS_PER_HOUR
#define US_DAY		SLOTS_USECS_PER_DAY

/* ---------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------
 */

static int64_t
hm(int h, int m)
{
	return (int64_t) h * US_HOUR + (int64_t) m * US_MIN;
}

static int64_t
mins(int m)
{
	return (int64_t) m * US_MIN;
}

/* Days since 2000-01-01 of a proleptic Gregorian date. */
static int32_t
date_of(int y, int m, int d)
{
	int64_t		era;
	int64_t		yoe;
	int64_t		doy;
	int64_t		doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t) (era * 146097 + doe - 719468 - 10957);
}

/* An absolute UTC instant. */
static int64_t
utc(int y, int mo, int d, int h, int mi)
{
	return (int64_t) date_of(y, mo, d) * US_DAY + hm(h, mi);
}

/* A day map with up to three segments; end = next midnight at end_offset. */
static void
set_map(SlotsDay *day, SlotsSegment *seg, int32_t date, int nseg,
		int64_t b1, int64_t b2, int64_t o0, int64_t o1, int64_t o2,
		int64_t end_offset)
{
	int64_t		bounds[4];
	int64_t		offs[3];
	int			i;

	bounds[0] = 0;
	bounds[1] = nseg == 1 ? US_DAY : b1;
	bounds[2] = nseg == 2 ? US_DAY : b2;
	bounds[3] = US_DAY;
	offs[0] = o0;
	offs[1] = o1;
	offs[2] = o2;
	for (i = 0; i < nseg; i++)
	{
		seg[i].local_from = bounds[i];
		seg[i].local_to = bounds[i + 1];
		seg[i].utc_offset = offs[i];
	}
	memset(day, 0, sizeof(*day));
	day->date = date;
	day->kind = SLOTS_DAY_REGULAR;
	day->segments = seg;
	day->nsegments = nseg;
	day->start = (int64_t) date * US_DAY - o0;
	day->end = (int64_t) (date + 1) * US_DAY - end_offset;
}

static void
zone_fixed(SlotsDay *day, SlotsSegment *seg, int32_t date, int64_t offset)
{
	set_map(day, seg, date, 1, 0, 0, offset, 0, 0, offset);
}

/* Europe/Berlin 2024-03-31: 02:00 CET -> 03:00 CEST. */
static void
zone_berlin_spring(SlotsDay *day, SlotsSegment *seg)
{
	set_map(day, seg, date_of(2024, 3, 31), 3, hm(2, 0), hm(3, 0),
			hm(1, 0), hm(1, 0), hm(2, 0), hm(2, 0));
}

/* Europe/Berlin 2024-10-27: 03:00 CEST -> 02:00 CET. */
static void
zone_berlin_fall(SlotsDay *day, SlotsSegment *seg)
{
	set_map(day, seg, date_of(2024, 10, 27), 2, hm(2, 0), 0,
			hm(2, 0), hm(1, 0), 0, hm(1, 0));
}

/* Australia/Lord_Howe 2024-10-06: 02:00 +1030 -> 02:30 +11. */
static void
zone_lord_howe_spring(SlotsDay *day, SlotsSegment *seg)
{
	set_map(day, seg, date_of(2024, 10, 6), 3, hm(2, 0), hm(2, 30),
			hm(10, 30), hm(10, 30), hm(11, 0), hm(11, 0));
}

/* Australia/Lord_Howe 2024-04-07: 02:00 +11 -> 01:30 +1030. */
static void
zone_lord_howe_fall(SlotsDay *day, SlotsSegment *seg)
{
	set_map(day, seg, date_of(2024, 4, 7), 2, hm(1, 30), 0,
			hm(11, 0), hm(10, 30), 0, hm(10, 30));
}

/* America/New_York 2024-03-10 (02:00 EST -> 03:00 EDT) and 2024-11-03. */
static void
zone_new_york_spring(SlotsDay *day, SlotsSegment *seg)
{
	set_map(day, seg, date_of(2024, 3, 10), 3, hm(2, 0), hm(3, 0),
			-hm(5, 0), -hm(5, 0), -hm(4, 0), -hm(4, 0));
}

static void
zone_new_york_fall(SlotsDay *day, SlotsSegment *seg)
{
	set_map(day, seg, date_of(2024, 11, 3), 2, hm(1, 0), 0,
			-hm(4, 0), -hm(5, 0), 0, -hm(5, 0));
}

static int64_t
abs_of(const SlotsDay *day, int64_t local)
{
	int64_t		r = INT64_MIN;

	if (slots_local_to_absolute(day, local, &r) != SLOTS_OK)
		return INT64_MIN;
	return r;
}

static void
window(SlotsWindow *w, int64_t from, int64_t to, int64_t bf, int64_t bt)
{
	w->from = from;
	w->to = to;
	w->break_from = bf;
	w->break_to = bt;
}

static SlotsBusy
busy_item(int64_t id, int64_t start, int64_t end, int64_t before,
		  int64_t after, int loc)
{
	SlotsBusy	b;

	b.id = id;
	b.start = start;
	b.end = end;
	b.buffer_before = before;
	b.buffer_after = after;
	b.pickup_location = loc;
	b.dropoff_location = loc;
	return b;
}

/* A request for the given days: 60 minutes, 15-minute grid, no limits. */
static void
request_init(SlotsRequest *rq, const SlotsDay *days, int ndays,
			 const SlotsBusy *busy, int nbusy)
{
	memset(rq, 0, sizeof(*rq));
	rq->duration = mins(60);
	rq->pickup_location = -1;
	rq->dropoff_location = -1;
	rq->grid_minutes = 15;
	rq->days = days;
	rq->ndays = ndays;
	rq->busy = busy;
	rq->nbusy = nbusy;
	rq->range_start = ndays > 0 ? abs_of(&days[0], 0) : utc(2024, 1, 1, 0, 0);
	rq->range_end = ndays > 0 ? days[ndays - 1].end : utc(2024, 1, 2, 0, 0);
	rq->earliest_start = SLOTS_TIME_MIN;
	rq->latest_start = SLOTS_TIME_MAX;
}

typedef struct TravelTable
{
	int			minutes[4][4];
	int			calls;
} TravelTable;

static int
table_travel(void *context, int from, int to)
{
	TravelTable *t = context;

	t->calls++;
	if (from < 0 || from > 3 || to < 0 || to > 3)
		return 0;
	return t->minutes[from][to];
}

/* One workspace at a time is enough. */
static uint64_t workspace[1 << 20];

static SlotsSolver *
make_solver(const SlotsRequest *rq)
{
	SlotsSolver *sv = NULL;
	size_t		size = 0;

	if (slots_workspace_size(rq, &size) != SLOTS_OK || size > sizeof(workspace))
		return NULL;
	if (slots_init(rq, workspace, size, &sv, NULL) != SLOTS_OK)
		return NULL;
	return sv;
}

#define MAX_OUT 8192
static SlotsSlot out[MAX_OUT];
static SlotsExplanation why[64];

static size_t
solve(SlotsSolver *sv)
{
	size_t		n = 0;
	bool		truncated = true;

	if (sv == NULL || slots_solve(sv, out, MAX_OUT, &n, &truncated) != SLOTS_OK ||
		truncated)
		return (size_t) -1;
	return n;
}

static size_t
explain(SlotsSolver *sv, int64_t s)
{
	size_t		n = 0;
	bool		truncated = true;

	if (sv == NULL ||
		slots_explain(sv, s, why, 64, &n, &truncated) != SLOTS_OK || truncated)
		return (size_t) -1;
	return n;
}

/* ---------------------------------------------------------------------
 * Messages
 * ---------------------------------------------------------------------
 */

static void
test_messages(void)
{
	int			i;
	int			j;
	int			good = 1;

	for (i = 0; i < SLOTS_ERROR_COUNT; i++)
	{
		const char *m = slots_error_message((SlotsError) i);
		size_t		len = strlen(m);

		if (len == 0 || m[len - 1] == '.' || strcmp(m, "unknown slots error") == 0)
			good = 0;
		for (j = 0; m[j]; j++)
			if (m[j] >= 'A' && m[j] <= 'Z')
				good = 0;
		for (j = 0; j < i; j++)
			if (strcmp(m, slots_error_message((SlotsError) j)) == 0)
				good = 0;
	}
	ok(good, "every error code has its own lowercase message without a period");
	is_str(slots_error_message((SlotsError) SLOTS_ERROR_COUNT),
		   "unknown slots error", "message of an unknown code");
	is_str(slots_error_message((SlotsError) -1), "unknown slots error",
		   "message of a negative code");
	is_str(slots_error_message(SLOTS_ERR_RANGE_TOO_LONG),
		   "requested range is longer than 366 days", "range message");

	good = 1;
	for (i = 1; i < SLOTS_REASON_COUNT; i++)
	{
		const char *m = slots_reason_name((SlotsReason) i);

		if (strcmp(m, "unknown") == 0)
			good = 0;
		for (j = 1; j < i; j++)
			if (strcmp(m, slots_reason_name((SlotsReason) j)) == 0)
				good = 0;
	}
	ok(good, "every reason has its own name");
	is_str(slots_reason_name(SLOTS_REASON_TRAVEL_FROM), "travel_from",
		   "reason name");
	is_str(slots_reason_name((SlotsReason) 0), "unknown", "reason 0");
	is_str(slots_reason_name((SlotsReason) SLOTS_REASON_COUNT), "unknown",
		   "reason past the end");
}

/* ---------------------------------------------------------------------
 * The day map
 * ---------------------------------------------------------------------
 */

static void
test_day_map(void)
{
	SlotsDay	day;
	SlotsSegment seg[3];
	int64_t		r;

	zone_berlin_spring(&day, seg);
	is_int(abs_of(&day, 0), utc(2024, 3, 30, 23, 0), "berlin spring 00:00");
	is_int(abs_of(&day, hm(1, 59)), utc(2024, 3, 31, 0, 59), "berlin spring 01:59");
	is_int(abs_of(&day, hm(2, 0)), utc(2024, 3, 31, 1, 0),
		   "berlin spring 02:00 (nonexistent) takes the offset before");
	is_int(abs_of(&day, hm(2, 30)), utc(2024, 3, 31, 1, 30),
		   "berlin spring 02:30 (nonexistent) is 03:30 CEST");
	is_int(abs_of(&day, hm(3, 0)), utc(2024, 3, 31, 1, 0), "berlin spring 03:00");
	is_int(abs_of(&day, hm(12, 0)), utc(2024, 3, 31, 10, 0), "berlin spring 12:00");
	is_int(abs_of(&day, US_DAY), utc(2024, 3, 31, 22, 0),
		   "berlin spring 24:00 is the day's end");

	zone_berlin_fall(&day, seg);
	is_int(abs_of(&day, 0), utc(2024, 10, 26, 22, 0), "berlin fall 00:00");
	is_int(abs_of(&day, hm(1, 59)), utc(2024, 10, 26, 23, 59), "berlin fall 01:59");
	is_int(abs_of(&day, hm(2, 0)), utc(2024, 10, 27, 1, 0),
		   "berlin fall 02:00 (repeated) takes the offset after");
	is_int(abs_of(&day, hm(2, 30)), utc(2024, 10, 27, 1, 30),
		   "berlin fall 02:30 is the second 02:30");
	is_int(abs_of(&day, hm(3, 0)), utc(2024, 10, 27, 2, 0), "berlin fall 03:00");
	is_int(abs_of(&day, US_DAY), utc(2024, 10, 27, 23, 0), "berlin fall 24:00");

	zone_lord_howe_spring(&day, seg);
	is_int(abs_of(&day, hm(1, 59)), utc(2024, 10, 5, 15, 29), "lord howe spring 01:59");
	is_int(abs_of(&day, hm(2, 0)), utc(2024, 10, 5, 15, 30), "lord howe spring 02:00");
	is_int(abs_of(&day, hm(2, 15)), utc(2024, 10, 5, 15, 45),
		   "lord howe spring 02:15 (nonexistent) at +10:30");
	is_int(abs_of(&day, hm(2, 30)), utc(2024, 10, 5, 15, 30),
		   "lord howe spring 02:30 at +11");
	is_int(abs_of(&day, US_DAY), utc(2024, 10, 6, 13, 0), "lord howe spring 24:00");

	zone_lord_howe_fall(&day, seg);
	is_int(abs_of(&day, 0), utc(2024, 4, 6, 13, 0), "lord howe fall 00:00");
	is_int(abs_of(&day, hm(1, 29)), utc(2024, 4, 6, 14, 29), "lord howe fall 01:29");
	is_int(abs_of(&day, hm(1, 30)), utc(2024, 4, 6, 15, 0),
		   "lord howe fall 01:30 (repeated) at +10:30");
	is_int(abs_of(&day, hm(1, 45)), utc(2024, 4, 6, 15, 15), "lord howe fall 01:45");
	is_int(abs_of(&day, hm(2, 0)), utc(2024, 4, 6, 15, 30), "lord howe fall 02:00");
	is_int(abs_of(&day, US_DAY), utc(2024, 4, 7, 13, 30), "lord howe fall 24:00");

	zone_new_york_spring(&day, seg);
	is_int(abs_of(&day, hm(2, 30)), utc(2024, 3, 10, 7, 30),
		   "new york spring 02:30 is 03:30 EDT");
	zone_new_york_fall(&day, seg);
	is_int(abs_of(&day, hm(1, 30)), utc(2024, 11, 3, 6, 30),
		   "new york fall 01:30 is the EST one");

	zone_fixed(&day, seg, date_of(2024, 3, 31), hm(9, 0));
	is_int(abs_of(&day, hm(9, 0)), utc(2024, 3, 31, 0, 0), "tokyo 09:00");
	is_int(abs_of(&day, US_DAY), utc(2024, 3, 31, 15, 0), "tokyo 24:00");

	is_int(slots_local_to_absolute(&day, -1, &r), SLOTS_ERR_LOCAL_TIME,
		   "local time before 00:00");
	is_int(slots_local_to_absolute(&day, US_DAY + 1, &r), SLOTS_ERR_LOCAL_TIME,
		   "local time after 24:00");
	is_int(slots_local_to_absolute(NULL, 0, &r), SLOTS_ERR_NULL_ARGUMENT,
		   "null day");
	is_int(slots_local_to_absolute(&day, 0, NULL), SLOTS_ERR_NULL_ARGUMENT,
		   "null result");
	seg[0].local_to = hm(23, 0);
	is_int(slots_local_to_absolute(&day, 0, &r), SLOTS_ERR_SEGMENTS,
		   "segments not reaching 24:00");
	seg[0].local_to = US_DAY;
	seg[0].utc_offset = US_DAY;
	is_int(slots_local_to_absolute(&day, 0, &r), SLOTS_ERR_UTC_OFFSET,
		   "offset of a whole day");
	seg[0].utc_offset = -(US_DAY - 1);
	is_int(slots_local_to_absolute(&day, 0, &r), SLOTS_OK,
		   "offset just under a day");
	day.nsegments = 0;
	is_int(slots_local_to_absolute(&day, 0, &r), SLOTS_ERR_SEGMENT_COUNT,
		   "no segment");
	day.nsegments = 1;
	day.date = INT32_MAX;
	is_int(slots_local_to_absolute(&day, 0, &r), SLOTS_ERR_DATE, "date too late");
}

/* ---------------------------------------------------------------------
 * A working day, by hand
 *
 * Berlin, Wednesday 2024-06-12 (+02:00 all day).  Hours 09:00-17:00 with a
 * break 12:00-13:00, travel buffer 15 minutes.  New service: 60 minutes,
 * buffer before 0, after 10.  Booking 101 11:00-12:00 (buffers 0/10) at
 * location 1, booking 102 14:00-15:00 (buffers 5/0) at location 2; the new
 * pickup and dropoff are location 0; travel 0<->1 is 20 minutes, 0<->2 30.
 *
 * Morning, before 101: s + 60 + max(10 + 0, 20, 15) <= 11:00, so s <= 09:40:
 * 09:00, 09:15, 09:30.  After 101 in the morning: s >= 12:00 + 20, none.
 * Afternoon before 102: s + 60 + max(10 + 5, 30, 15) <= 14:00: s <= 12:30,
 * none.  After 102: s >= 15:00 + max(0 + 0, 30, 15) = 15:30 and
 * s <= 16:00: 15:30, 15:45, 16:00.
 *
 * Idle: another appointment needs 60 + max(10 + 0, 15) = 75 minutes.
 * 09:00: E = 09:00; F = min(12:00, 11:00 - 0 - 10, 11:00 - 20) = 10:40:
 * idle 0 before, 40 after.  15:30: E = max(13:00, 15:00 + 0 + 0,
 * 15:00 + 30) = 15:30, F = 17:00: idle 0 before, 30 after.
 * ---------------------------------------------------------------------
 */

typedef struct WorkDay
{
	SlotsSegment seg[1];
	SlotsWindow win[1];
	SlotsDay	day;
	SlotsBusy	busy[2];
	TravelTable travel;
	SlotsRequest rq;
} WorkDay;

static int64_t
wl(const WorkDay *w, int h, int m)
{
	return (int64_t) w->day.date * US_DAY + hm(h, m) - hm(2, 0);
}

static void
workday_init(WorkDay *w)
{
	memset(w, 0, sizeof(*w));
	zone_fixed(&w->day, w->seg, date_of(2024, 6, 12), hm(2, 0));
	window(&w->win[0], hm(9, 0), hm(17, 0), hm(12, 0), hm(13, 0));
	w->day.windows = w->win;
	w->day.nwindows = 1;
	w->day.travel_buffer = mins(15);
	w->busy[0] = busy_item(101, wl(w, 11, 0), wl(w, 12, 0), 0, mins(10), 1);
	w->busy[1] = busy_item(102, wl(w, 14, 0), wl(w, 15, 0), mins(5), 0, 2);
	w->travel.minutes[1][0] = w->travel.minutes[0][1] = 20;
	w->travel.minutes[2][0] = w->travel.minutes[0][2] = 30;
	request_init(&w->rq, &w->day, 1, w->busy, 2);
	w->rq.buffer_after = mins(10);
	w->rq.pickup_location = 0;
	w->rq.dropoff_location = 0;
	w->rq.travel = table_travel;
	w->rq.travel_context = &w->travel;
}

static void
is_slot(const WorkDay *w, size_t i, int h, int m, int tb, int ta,
		int idle_b, int idle_a)
{
	const SlotsSlot *s = &out[i];

	is_int(s->start, wl(w, h, m), "slot %zu starts %02d:%02d", i, h, m);
	ok(s->end == s->start + mins(60) && s->day == 0,
	   "slot %zu lasts 60 minutes on day 0", i);
	is_int(s->travel_before, tb, "slot %zu travel before", i);
	is_int(s->travel_after, ta, "slot %zu travel after", i);
	is_int(s->idle_before, mins(idle_b), "slot %zu idle before", i);
	is_int(s->idle_after, mins(idle_a), "slot %zu idle after", i);
}

static void
is_reason(size_t i, SlotsReason reason, int item, int64_t have, int64_t need,
		  const char *what)
{
	is_int(why[i].reason, reason, "%s: reason %zu is %s", what, i,
		   slots_reason_name(reason));
	is_int(why[i].item, item, "%s: reason %zu item", what, i);
	is_int(why[i].have, have, "%s: reason %zu have", what, i);
	is_int(why[i].need, need, "%s: reason %zu need", what, i);
}

static void
test_workday(void)
{
	WorkDay		w;
	SlotsSolver *sv;
	size_t		n;
	size_t		count;
	bool		truncated;

	workday_init(&w);
	sv = make_solver(&w.rq);
	ok(sv != NULL, "workday: solver built");
	is_int(slots_day_capacity(sv), 96, "15-minute grid: at most 96 slots a day");
	n = solve(sv);
	is_int(n, 6, "workday: six slots");
	if (n == 6)
	{
		is_slot(&w, 0, 9, 0, 0, 20, 0, 40);
		is_slot(&w, 1, 9, 15, 0, 20, 15, 25);
		is_slot(&w, 2, 9, 30, 0, 20, 30, 10);
		is_slot(&w, 3, 15, 30, 30, 0, 0, 30);
		is_slot(&w, 4, 15, 45, 30, 0, 15, 15);
		is_slot(&w, 5, 16, 0, 30, 0, 30, 0);
	}
	ok(w.travel.calls <= 4, "travel asked at most once per item and direction (%d)",
	   w.travel.calls);

	/* every slot: no reason */
	is_int(explain(sv, wl(&w, 9, 0)), 0, "09:00 is bookable");

	is_int(explain(sv, wl(&w, 9, 45)), 1, "09:45: one reason");
	is_reason(0, SLOTS_REASON_TRAVEL_TO, 0, mins(15), mins(20), "09:45");
	is_int(why[0].item_id, 101, "09:45: item id");
	is_int(why[0].travel_minutes, 20, "09:45: travel minutes");
	is_int(why[0].day, 0, "09:45: day");

	is_int(explain(sv, wl(&w, 10, 0)), 2, "10:00: two reasons");
	is_reason(0, SLOTS_REASON_BUFFER_TO, 0, 0, mins(10), "10:00");
	is_reason(1, SLOTS_REASON_TRAVEL_TO, 0, 0, mins(20), "10:00");

	is_int(explain(sv, wl(&w, 11, 0)), 1, "11:00: one reason");
	is_reason(0, SLOTS_REASON_OVERLAP, 0, 0, 0, "11:00");
	ok(why[0].from == wl(&w, 11, 0) && why[0].to == wl(&w, 12, 0) &&
	   why[0].item_id == 101, "11:00: overlaps 101 11:00-12:00");

	is_int(explain(sv, wl(&w, 12, 15)), 2, "12:15: two reasons");
	is_reason(0, SLOTS_REASON_IN_BREAK, -1, 0, 0, "12:15");
	ok(why[0].from == wl(&w, 12, 0) && why[0].to == wl(&w, 13, 0),
	   "12:15: the break is 12:00-13:00");
	is_reason(1, SLOTS_REASON_TRAVEL_FROM, 0, mins(15), mins(20), "12:15");
	is_int(why[1].travel_minutes, 20, "12:15: travel minutes");

	is_int(explain(sv, wl(&w, 13, 0)), 2, "13:00: two reasons");
	is_reason(0, SLOTS_REASON_BUFFER_TO, 1, 0, mins(15), "13:00");
	is_reason(1, SLOTS_REASON_TRAVEL_TO, 1, 0, mins(30), "13:00");
	is_int(why[1].item_id, 102, "13:00: item id");

	is_int(explain(sv, wl(&w, 13, 15)), 1, "13:15: one reason");
	is_reason(0, SLOTS_REASON_OVERLAP, 1, 0, 0, "13:15");

	is_int(explain(sv, wl(&w, 8, 45)), 1, "08:45: one reason");
	is_reason(0, SLOTS_REASON_OUTSIDE_HOURS, -1, 0, 0, "08:45");
	is_int(why[0].day, 0, "08:45: day 0");

	is_int(explain(sv, wl(&w, 9, 50)), 2, "09:50: two reasons");
	is_reason(0, SLOTS_REASON_OFF_GRID, -1, 0, mins(15), "09:50");
	is_reason(1, SLOTS_REASON_TRAVEL_TO, 0, mins(10), mins(20), "09:50");

	is_int(explain(sv, wl(&w, 16, 15)), 1, "16:15: one reason");
	is_reason(0, SLOTS_REASON_OUTSIDE_HOURS, -1, 0, 0, "16:15");

	is_int(explain(sv, wl(&w, 11, 20)), 3, "11:20: three reasons");
	is_reason(0, SLOTS_REASON_IN_BREAK, -1, 0, 0, "11:20");
	is_reason(1, SLOTS_REASON_OFF_GRID, -1, 0, mins(15), "11:20");
	is_reason(2, SLOTS_REASON_OVERLAP, 0, 0, 0, "11:20");

	is_int(explain(sv, wl(&w, 23, 0)), 1, "23:00 ends at the range end");
	is_int(explain(sv, wl(&w, 23, 15)), 2, "23:15: two reasons");
	is_reason(0, SLOTS_REASON_OUTSIDE_RANGE, -1, 0, 0, "23:15");
	ok(why[0].from == w.rq.range_start && why[0].to == w.rq.range_end,
	   "23:15: the range is reported");
	is_reason(1, SLOTS_REASON_OUTSIDE_HOURS, -1, 0, 0, "23:15");
	is_int(why[1].day, 0, "23:15: still day 0");

	is_int(explain(sv, wl(&w, 26, 0)), 2, "a start in no listed day");
	is_int(why[1].reason, SLOTS_REASON_OUTSIDE_HOURS, "no day: outside hours");
	is_int(why[1].day, -1, "no day: day -1");

	/* explanation capacity */
	ok(slots_explain(sv, wl(&w, 11, 20), why, 1, &count, &truncated) == SLOTS_OK &&
	   count == 1 && truncated, "explain truncated at capacity 1");
	ok(slots_explain(sv, wl(&w, 11, 20), NULL, 0, &count, &truncated) == SLOTS_OK &&
	   count == 0 && truncated, "explain with capacity 0 says truncated");
	ok(slots_explain(sv, wl(&w, 9, 0), NULL, 0, &count, &truncated) == SLOTS_OK &&
	   count == 0 && !truncated, "explain of a bookable start with capacity 0");

	/* output capacity */
	ok(slots_solve(sv, out, 2, &count, &truncated) == SLOTS_OK && count == 2 &&
	   truncated && out[1].start == wl(&w, 9, 15), "solve truncated at 2");
	ok(slots_solve(sv, out, 6, &count, &truncated) == SLOTS_OK && count == 6 &&
	   !truncated, "solve with exactly enough room is not truncated");
	ok(slots_solve_day(sv, 0, NULL, 0, &count, &truncated) == SLOTS_OK &&
	   count == 0 && truncated, "solve_day with capacity 0 says truncated");
	ok(slots_solve_day(sv, 0, out, 96, &count, &truncated) == SLOTS_OK &&
	   count == 6 && !truncated, "solve_day gives the same six");

	/* notice and horizon */
	workday_init(&w);
	w.rq.earliest_start = wl(&w, 9, 10);
	w.rq.latest_start = wl(&w, 15, 40);
	sv = make_solver(&w.rq);
	n = solve(sv);
	ok(n == 3 && out[0].start == wl(&w, 9, 15) && out[1].start == wl(&w, 9, 30) &&
	   out[2].start == wl(&w, 15, 30), "notice and horizon keep 09:15, 09:30, 15:30");
	is_int(explain(sv, wl(&w, 9, 0)), 1, "09:00 inside the notice period");
	is_reason(0, SLOTS_REASON_NOTICE, -1, wl(&w, 9, 0), wl(&w, 9, 10), "09:00");
	is_int(why[0].day, 0, "every reason carries the day of the start");
	is_int(explain(sv, wl(&w, 15, 45)), 1, "15:45 beyond the horizon");
	is_reason(0, SLOTS_REASON_HORIZON, -1, wl(&w, 15, 45), wl(&w, 15, 40), "15:45");
	w.rq.earliest_start = wl(&w, 16, 0);
	w.rq.latest_start = wl(&w, 10, 0);
	sv = make_solver(&w.rq);
	is_int(solve(sv), 0, "earliest after latest: no slot, no error");

	/* the request range */
	workday_init(&w);
	w.rq.range_start = wl(&w, 9, 10);
	w.rq.range_end = wl(&w, 16, 45);
	sv = make_solver(&w.rq);
	n = solve(sv);
	ok(n == 4 && out[0].start == wl(&w, 9, 15) && out[3].start == wl(&w, 15, 45),
	   "range 09:10-16:45 keeps 09:15 to 15:45");
	is_int(explain(sv, wl(&w, 16, 0)), 1, "16:00 ends after the range");
	is_int(why[0].reason, SLOTS_REASON_OUTSIDE_RANGE, "16:00: outside range");
	if (n == 4)
		is_int(out[3].idle_after, mins(15),
			   "idle time ignores the range (15:45 leaves 16:45-17:00)");

	/* daily maximum */
	workday_init(&w);
	w.day.max_bookings = 2;
	sv = make_solver(&w.rq);
	is_int(solve(sv), 0, "two bookings at a maximum of two: no slot");
	is_int(explain(sv, wl(&w, 9, 0)), 1, "09:00 on a full day");
	is_reason(0, SLOTS_REASON_DAILY_MAXIMUM, -1, 2, 2, "full day");
	w.day.max_bookings = 3;
	sv = make_solver(&w.rq);
	is_int(solve(sv), 6, "maximum of three: six slots");

	/* exceptions */
	workday_init(&w);
	w.day.kind = SLOTS_DAY_EXCEPTION_OFF;
	sv = make_solver(&w.rq);
	is_int(solve(sv), 0, "exception day off: no slot");
	is_int(explain(sv, wl(&w, 9, 0)), 1, "09:00 on a day off");
	is_int(why[0].reason, SLOTS_REASON_DAY_OFF, "day off reason");
	is_int(why[0].day, 0, "day off: day");

	workday_init(&w);
	w.day.kind = SLOTS_DAY_EXCEPTION_HOURS;
	w.day.travel_buffer = 0;
	window(&w.win[0], hm(9, 30), hm(11, 0), 0, 0);
	w.rq.nbusy = 0;
	sv = make_solver(&w.rq);
	n = solve(sv);
	ok(n == 3 && out[0].start == wl(&w, 9, 30) && out[2].start == wl(&w, 10, 0),
	   "exception hours 09:30-11:00: 09:30, 09:45, 10:00");
	if (n == 3)
		ok(out[0].idle_before == 0 && out[0].idle_after == mins(30) &&
		   out[1].idle_before == mins(15) && out[1].idle_after == mins(15),
		   "idle time against the window edges");
	is_int(explain(sv, wl(&w, 9, 0)), 1, "09:00 outside the exception hours");
	is_int(why[0].reason, SLOTS_REASON_EXCEPTION_HOURS, "exception hours reason");
}

/* ---------------------------------------------------------------------
 * Buffers, travel and ties, one at a time
 * ---------------------------------------------------------------------
 */

static void
test_neighbours(void)
{
	WorkDay		w;
	SlotsSolver *sv;

	/* buffer from an earlier booking, no travel, no travel buffer */
	workday_init(&w);
	w.day.travel_buffer = 0;
	window(&w.win[0], hm(9, 0), hm(17, 0), 0, 0);
	w.busy[0] = busy_item(7, wl(&w, 10, 0), wl(&w, 11, 0), 0, mins(30), -1);
	w.rq.nbusy = 1;
	w.rq.buffer_before = mins(5);
	w.rq.buffer_after = 0;
	sv = make_solver(&w.rq);
	is_int(explain(sv, wl(&w, 11, 15)), 1, "11:15 inside the buffer after 7");
	is_reason(0, SLOTS_REASON_BUFFER_FROM, 0, mins(15), mins(35), "11:15");
	is_int(why[0].item_id, 7, "buffer from: item id");
	is_int(explain(sv, wl(&w, 11, 30)), 1, "11:30 still 5 minutes short");
	is_int(explain(sv, wl(&w, 11, 45)), 0, "11:45 clears 30 + 5 minutes");
	is_int(explain(sv, wl(&w, 8, 45)), 1, "08:45 is only outside hours");
	ok(solve(sv) == 19 && out[0].start == wl(&w, 9, 0) &&
	   out[1].start == wl(&w, 11, 45) && out[18].start == wl(&w, 16, 0),
	   "09:00, then 11:45 to 16:00");

	/* two previous bookings ending together: the larger travel counts */
	workday_init(&w);
	w.day.travel_buffer = mins(10);
	window(&w.win[0], hm(9, 0), hm(17, 0), 0, 0);
	w.busy[0] = busy_item(1, wl(&w, 9, 0), wl(&w, 10, 0), 0, 0, 1);
	w.busy[1] = busy_item(2, wl(&w, 9, 30), wl(&w, 10, 0), 0, 0, 2);
	w.rq.buffer_after = 0;
	sv = make_solver(&w.rq);
	is_int(explain(sv, wl(&w, 10, 15)), 2, "10:15 after two bookings ending at 10:00");
	is_reason(0, SLOTS_REASON_TRAVEL_FROM, 0, mins(15), mins(20), "10:15 from 1");
	is_reason(1, SLOTS_REASON_TRAVEL_FROM, 1, mins(15), mins(30), "10:15 from 2");
	is_int(explain(sv, wl(&w, 10, 0)), 2, "10:00 right after them");
	is_int(explain(sv, wl(&w, 10, 30)), 0, "10:30 clears both");
	is_int(solve(sv), 23, "10:30 to 16:00 on the quarter hour");
	ok(out[0].travel_before == 30 && out[0].idle_before == 0,
	   "travel before is the larger of the two");

	/* the travel buffer alone */
	w.busy[1].dropoff_location = -1;
	w.busy[0].dropoff_location = -1;
	w.rq.nbusy = 2;
	w.day.travel_buffer = mins(10);
	sv = make_solver(&w.rq);
	is_int(explain(sv, wl(&w, 10, 0)), 2, "10:00: travel buffer, both items");
	is_reason(0, SLOTS_REASON_TRAVEL_FROM, 0, 0, mins(10), "travel buffer");
	is_int(why[0].travel_minutes, 0, "no location: no travel minutes");
	is_int(explain(sv, wl(&w, 10, 15)), 0, "10:15 clears the travel buffer");

	/* two next bookings starting together: the larger travel counts */
	workday_init(&w);
	w.day.travel_buffer = 0;
	window(&w.win[0], hm(9, 0), hm(17, 0), 0, 0);
	w.busy[0] = busy_item(1, wl(&w, 15, 0), wl(&w, 16, 0), 0, 0, 2);
	w.busy[1] = busy_item(2, wl(&w, 15, 0), wl(&w, 15, 30), 0, 0, 1);
	w.rq.buffer_after = 0;
	sv = make_solver(&w.rq);
	is_int(explain(sv, wl(&w, 13, 45)), 2, "13:45 before two bookings at 15:00");
	is_reason(0, SLOTS_REASON_TRAVEL_TO, 1, mins(15), mins(20), "13:45 to 2");
	is_reason(1, SLOTS_REASON_TRAVEL_TO, 0, mins(15), mins(30), "13:45 to 1");
	is_int(explain(sv, wl(&w, 13, 30)), 0, "13:30 leaves 30 minutes");
	ok(solve(sv) == 19 && out[18].start == wl(&w, 13, 30) &&
	   out[18].travel_after == 30 && out[18].idle_after == 0,
	   "09:00 to 13:30, travel after is the larger of the two");

	/* hostile callback results */
	workday_init(&w);
	w.travel.minutes[1][0] = -5;
	w.travel.minutes[0][2] = 99999;
	w.day.travel_buffer = 0;
	window(&w.win[0], hm(0, 0), US_DAY, 0, 0);
	w.rq.buffer_after = 0;
	w.busy[0].buffer_after = 0;
	w.busy[1].buffer_before = 0;
	sv = make_solver(&w.rq);
	is_int(explain(sv, wl(&w, 12, 0)), 1,
		   "12:00: negative travel from 101 counts as none");
	is_reason(0, SLOTS_REASON_TRAVEL_TO, 1, mins(60), mins(1440), "12:00");
	is_int(explain(sv, wl(&w, 12, 0) - 1), 3, "12:00 minus 1 us");
	is_int(why[1].reason, SLOTS_REASON_OVERLAP, "12:00 minus 1 us overlaps 101");
	is_int(explain(sv, wl(&w, 13, 0)), 1, "capped travel to 102");
	is_reason(0, SLOTS_REASON_TRAVEL_TO, 1, 0, mins(1440), "cap");
	is_int(why[0].travel_minutes, 1440, "travel capped at one day");

	/* items with no travel callback at all */
	workday_init(&w);
	w.rq.travel = NULL;
	sv = make_solver(&w.rq);
	is_int(explain(sv, wl(&w, 12, 15)), 1, "no callback: only the break at 12:15");
}

/* ---------------------------------------------------------------------
 * Daylight-saving days
 * ---------------------------------------------------------------------
 */

static void
expect_starts(SlotsSolver *sv, const int64_t *want, size_t nwant,
			  const char *what)
{
	size_t		n = solve(sv);
	size_t		i;
	int			same = n == nwant;

	for (i = 0; same && i < n; i++)
		same = out[i].start == want[i];
	ok(same, "%s: %zu slots as PostgreSQL computes them", what, nwant);
	if (!same)
		for (i = 0; i < n && i < 40; i++)
			printf("#   got %zu: %" PRId64 "\n", i, out[i].start);
}

static void
test_dst_days(void)
{
	SlotsDay	day;
	SlotsSegment seg[3];
	SlotsWindow win[2];
	SlotsRequest rq;
	SlotsSolver *sv;
	int64_t		want[16];
	int			i;

	/* Berlin spring: 01:00-05:00 is three real hours */
	zone_berlin_spring(&day, seg);
	window(&win[0], hm(1, 0), hm(5, 0), 0, 0);
	day.windows = win;
	day.nwindows = 1;
	request_init(&rq, &day, 1, NULL, 0);
	sv = make_solver(&rq);
	for (i = 0; i < 9; i++)
		want[i] = utc(2024, 3, 31, 0, 0) + mins(15 * i);
	expect_starts(sv, want, 9, "berlin spring 01:00-05:00, 60 min");
	is_int(explain(sv, utc(2024, 3, 31, 1, 0)), 0,
		   "berlin spring: 01:00Z is local 02:00 and 03:00, once");

	/* Berlin spring: a break across the gap */
	window(&win[0], 0, hm(6, 0), hm(2, 15), hm(3, 30));
	rq.duration = mins(30);
	sv = make_solver(&rq);
	is_int(explain(sv, utc(2024, 3, 31, 1, 0)), 1, "break 02:15-03:30 local");
	is_int(why[0].reason, SLOTS_REASON_IN_BREAK, "break over the gap");
	ok(why[0].from == utc(2024, 3, 31, 1, 15) && why[0].to == utc(2024, 3, 31, 1, 30),
	   "the break is 01:15Z-01:30Z (03:15-03:30 CEST)");

	/* Berlin spring: windows inside the gap */
	window(&win[0], hm(2, 15), hm(2, 45), 0, 0);
	sv = make_solver(&rq);
	ok(solve(sv) == 1 && out[0].start == utc(2024, 3, 31, 1, 15),
	   "window 02:15-02:45 is 03:15-03:45 CEST");
	window(&win[0], hm(2, 30), hm(3, 0), 0, 0);
	sv = make_solver(&rq);
	is_int(solve(sv), 0, "window 02:30-03:00 maps to an inverted interval");
	is_int(explain(sv, utc(2024, 3, 31, 1, 30)), 1, "02:30 local is outside hours");
	is_int(why[0].reason, SLOTS_REASON_OUTSIDE_HOURS, "inverted window: outside hours");

	/* the whole spring day: 92 grid instants */
	window(&win[0], 0, US_DAY, 0, 0);
	rq.duration = mins(15);
	sv = make_solver(&rq);
	is_int(solve(sv), 92, "berlin spring day: 92 quarter hours");

	/* Berlin fall: 01:00-04:00 is four real hours; first 02:xx off grid */
	zone_berlin_fall(&day, seg);
	window(&win[0], hm(1, 0), hm(4, 0), 0, 0);
	day.windows = win;
	day.nwindows = 1;
	request_init(&rq, &day, 1, NULL, 0);
	sv = make_solver(&rq);
	for (i = 0; i < 4; i++)
		want[i] = utc(2024, 10, 26, 23, 0) + mins(15 * i);
	for (i = 0; i < 5; i++)
		want[4 + i] = utc(2024, 10, 27, 1, 0) + mins(15 * i);
	expect_starts(sv, want, 9, "berlin fall 01:00-04:00, 60 min");
	is_int(explain(sv, utc(2024, 10, 27, 0, 0)), 1,
		   "berlin fall: the first 02:00 (00:00Z) is not a grid point");
	is_int(why[0].reason, SLOTS_REASON_OFF_GRID, "first pass: off grid");
	window(&win[0], 0, US_DAY, 0, 0);
	rq.duration = mins(15);
	sv = make_solver(&rq);
	is_int(solve(sv), 96, "berlin fall day: 96 quarter hours in 25 hours");

	/* Lord Howe spring: 30-minute gap */
	zone_lord_howe_spring(&day, seg);
	window(&win[0], hm(1, 0), hm(4, 0), 0, 0);
	day.windows = win;
	day.nwindows = 1;
	request_init(&rq, &day, 1, NULL, 0);
	rq.duration = mins(30);
	sv = make_solver(&rq);
	for (i = 0; i < 9; i++)
		want[i] = utc(2024, 10, 5, 14, 30) + mins(15 * i);
	expect_starts(sv, want, 9, "lord howe spring 01:00-04:00, 30 min");

	/* Lord Howe fall: 30-minute overlap */
	zone_lord_howe_fall(&day, seg);
	window(&win[0], hm(1, 0), hm(3, 0), 0, 0);
	day.windows = win;
	day.nwindows = 1;
	request_init(&rq, &day, 1, NULL, 0);
	rq.duration = mins(30);
	sv = make_solver(&rq);
	want[0] = utc(2024, 4, 6, 14, 0);
	want[1] = utc(2024, 4, 6, 14, 15);
	for (i = 0; i < 5; i++)
		want[2 + i] = utc(2024, 4, 6, 15, 0) + mins(15 * i);
	expect_starts(sv, want, 7, "lord howe fall 01:00-03:00, 30 min");

	/* New York spring, 45-minute grid: 01:30 and 03:00 local */
	zone_new_york_spring(&day, seg);
	window(&win[0], hm(1, 0), hm(4, 0), 0, 0);
	day.windows = win;
	day.nwindows = 1;
	request_init(&rq, &day, 1, NULL, 0);
	rq.duration = mins(30);
	rq.grid_minutes = 45;
	sv = make_solver(&rq);
	want[0] = utc(2024, 3, 10, 6, 30);	/* 01:30 EST */
	want[1] = utc(2024, 3, 10, 7, 0);	/* 03:00 EDT */
	want[2] = utc(2024, 3, 10, 7, 15);	/* 02:15, nonexistent: 03:15 EDT */
	expect_starts(sv, want, 3, "new york spring, 45-minute grid");

	/* New York fall */
	zone_new_york_fall(&day, seg);
	window(&win[0], 0, hm(3, 0), 0, 0);
	day.windows = win;
	day.nwindows = 1;
	request_init(&rq, &day, 1, NULL, 0);
	rq.grid_minutes = 60;
	sv = make_solver(&rq);
	want[0] = utc(2024, 11, 3, 4, 0);	/* 00:00 EDT */
	want[1] = utc(2024, 11, 3, 6, 0);	/* 01:00 EST (the second) */
	want[2] = utc(2024, 11, 3, 7, 0);	/* 02:00 EST */
	expect_starts(sv, want, 3, "new york fall, hourly grid");

	/* America/Havana 2024-11-02: the next midnight is repeated, so local
	 * 24:00 is the second 00:00, 05:00Z, an hour after the last segment's
	 * 24:00 */
	zone_fixed(&day, seg, date_of(2024, 11, 2), -hm(4, 0));
	day.end = utc(2024, 11, 3, 5, 0);
	is_int(abs_of(&day, US_DAY), utc(2024, 11, 3, 5, 0), "havana 24:00 is 05:00Z");
	window(&win[0], hm(22, 0), US_DAY, 0, 0);
	day.windows = win;
	day.nwindows = 1;
	request_init(&rq, &day, 1, NULL, 0);
	rq.duration = mins(120);
	rq.grid_minutes = 60;
	sv = make_solver(&rq);
	want[0] = utc(2024, 11, 3, 2, 0);
	want[1] = utc(2024, 11, 3, 3, 0);
	expect_starts(sv, want, 2, "havana 22:00-24:00 is three hours, 120 min");
	is_int(explain(sv, utc(2024, 11, 3, 4, 0)), 3,
		   "havana: the first 00:00 belongs to the 2nd");
	ok(why[0].reason == SLOTS_REASON_OUTSIDE_RANGE &&
	   why[1].reason == SLOTS_REASON_OUTSIDE_HOURS && why[1].day == 0 &&
	   why[2].reason == SLOTS_REASON_OFF_GRID,
	   "first 00:00: outside range and hours of the 2nd, off grid");

	/* a gap at the end of the day (+01 -> +02 at 23:00): local 23:00-24:00
	 * does not exist, the day ends at 22:00Z, and a window to 23:30 is
	 * clipped there */
	set_map(&day, seg, date_of(2024, 6, 12), 2, hm(23, 0), 0,
			hm(1, 0), hm(1, 0), 0, hm(2, 0));
	is_int(abs_of(&day, hm(23, 30)), utc(2024, 6, 12, 22, 30),
		   "23:30 in the gap maps past the day's end");
	window(&win[0], hm(22, 0), hm(23, 30), 0, 0);
	day.windows = win;
	day.nwindows = 1;
	request_init(&rq, &day, 1, NULL, 0);
	rq.range_end += US_DAY;
	sv = make_solver(&rq);
	want[0] = utc(2024, 6, 12, 21, 0);
	expect_starts(sv, want, 1, "window clipped at the end of the day");
	is_int(explain(sv, utc(2024, 6, 12, 21, 30)), 1, "22:30 local runs past the day");
	is_int(why[0].reason, SLOTS_REASON_OUTSIDE_HOURS, "past the day: outside hours");

	/* Tokyo, no DST */
	zone_fixed(&day, seg, date_of(2024, 3, 31), hm(9, 0));
	window(&win[0], hm(9, 0), hm(10, 0), 0, 0);
	day.windows = win;
	day.nwindows = 1;
	request_init(&rq, &day, 1, NULL, 0);
	rq.duration = mins(30);
	sv = make_solver(&rq);
	for (i = 0; i < 3; i++)
		want[i] = utc(2024, 3, 31, 0, 0) + mins(15 * i);
	expect_starts(sv, want, 3, "tokyo 09:00-10:00, 30 min");
}

/* ---------------------------------------------------------------------
 * Several days, windows touching and midnight
 * ---------------------------------------------------------------------
 */

static void
test_days(void)
{
	SlotsDay	days[2];
	SlotsSegment seg[2][1];
	SlotsWindow win[2][2];
	SlotsBusy	busy[2];
	SlotsRequest rq;
	SlotsSolver *sv;
	size_t		n;
	size_t		count;
	bool		truncated;
	int32_t		d0 = date_of(2024, 6, 12);

	zone_fixed(&days[0], seg[0], d0, 0);
	zone_fixed(&days[1], seg[1], d0 + 1, 0);
	window(&win[0][0], hm(22, 0), hm(23, 0), 0, 0);
	window(&win[0][1], hm(23, 0), US_DAY, 0, 0);
	window(&win[1][0], 0, hm(1, 0), 0, 0);
	days[0].windows = win[0];
	days[0].nwindows = 2;
	days[1].windows = win[1];
	days[1].nwindows = 1;
	request_init(&rq, days, 2, NULL, 0);
	rq.grid_minutes = 30;
	sv = make_solver(&rq);
	n = solve(sv);
	ok(n == 4 && out[0].start == utc(2024, 6, 12, 22, 0) &&
	   out[1].start == utc(2024, 6, 12, 22, 30) &&
	   out[2].start == utc(2024, 6, 12, 23, 0) &&
	   out[3].start == utc(2024, 6, 13, 0, 0) && out[3].day == 1,
	   "touching windows merge; no slot straddles midnight");
	is_int(explain(sv, utc(2024, 6, 12, 23, 30)), 1, "23:30 for an hour");
	is_int(why[0].reason, SLOTS_REASON_OUTSIDE_HOURS, "across midnight: outside hours");
	ok(slots_solve_day(sv, 1, out, 10, &count, &truncated) == SLOTS_OK &&
	   count == 1 && out[0].start == utc(2024, 6, 13, 0, 0), "day 1 alone");
	is_int(slots_solve_day(sv, 2, out, 10, &count, &truncated), SLOTS_ERR_DAY_INDEX,
		   "day index past the end");
	is_int(slots_solve_day(sv, -1, out, 10, &count, &truncated), SLOTS_ERR_DAY_INDEX,
		   "negative day index");

	/* daily count by the span of the start: 23:30-00:30 counts for day 0 */
	busy[0] = busy_item(1, utc(2024, 6, 12, 23, 30), utc(2024, 6, 13, 0, 30), 0, 0, -1);
	busy[1] = busy_item(2, utc(2024, 6, 11, 12, 0), utc(2024, 6, 11, 13, 0), 0, 0, -1);
	rq.busy = busy;
	rq.nbusy = 2;
	days[0].max_bookings = 1;
	days[1].max_bookings = 1;
	window(&win[1][0], hm(1, 0), hm(3, 0), 0, 0);
	sv = make_solver(&rq);
	n = solve(sv);
	ok(n == 3 && out[0].day == 1 && out[0].start == utc(2024, 6, 13, 1, 0),
	   "day 0 is full, day 1 is not");
	is_int(explain(sv, utc(2024, 6, 12, 22, 0)), 1, "day 0 full");
	is_reason(0, SLOTS_REASON_DAILY_MAXIMUM, -1, 1, 1, "day 0");

	/* the end of the last day belongs to no day */
	is_int(explain(sv, days[1].end), 2, "the end of the last day");
	ok(why[0].reason == SLOTS_REASON_OUTSIDE_RANGE &&
	   why[1].reason == SLOTS_REASON_OUTSIDE_HOURS && why[1].day == -1,
	   "the end of the last day: outside range, outside hours of no day");

	/* days in the wrong order */
	rq.days = days;
	days[1].date = d0;
	is_int(slots_validate(&rq, NULL), SLOTS_ERR_DAY_ORDER, "same date twice");
}

/*
 * A date the calendar skips: Pacific/Apia went from 2011-12-29 24:00 -10 to
 * 2011-12-31 00:00 +14, so 2011-12-30 has no instant.  Its span is empty
 * ((date + 00:00) AT TIME ZONE and the next midnight are the same instant):
 * an answer with no slot that day, the days around it as usual.
 */
static void
test_skipped_day(void)
{
	SlotsDay	days[3];
	SlotsSegment seg[3][1];
	SlotsWindow win;
	SlotsRequest rq;
	SlotsSolver *sv;
	size_t		n;
	size_t		i;
	int			per_day[3] = {0, 0, 0};
	int32_t		d29 = date_of(2011, 12, 29);

	zone_fixed(&days[0], seg[0], d29, -hm(10, 0));
	zone_fixed(&days[1], seg[1], d29 + 1, -hm(10, 0));
	zone_fixed(&days[2], seg[2], d29 + 2, hm(14, 0));
	days[0].end = abs_of(&days[2], 0);	/* 2011-12-30 10:00Z */
	days[1].end = abs_of(&days[1], 0);	/* empty: 10:00Z to 10:00Z */
	ok(days[0].end == utc(2011, 12, 30, 10, 0) && days[1].end == days[0].end,
	   "Apia: 2011-12-29 ends where 2011-12-31 starts; 2011-12-30 is empty");
	window(&win, hm(9, 0), hm(17, 0), 0, 0);
	for (i = 0; i < 3; i++)
	{
		days[i].windows = &win;
		days[i].nwindows = 1;
	}
	request_init(&rq, days, 3, NULL, 0);
	rq.grid_minutes = 60;
	is_int(slots_validate(&rq, NULL), SLOTS_OK, "an empty day span is valid");
	sv = make_solver(&rq);
	n = solve(sv);
	for (i = 0; i < n && n != (size_t) -1; i++)
		per_day[out[i].day]++;
	ok(n == 16 && per_day[0] == 8 && per_day[1] == 0 && per_day[2] == 8,
	   "8 slots on the 29th, none on the skipped 30th, 8 on the 31st (%d)", (int) n);
	ok(n == 16 && out[8].start == utc(2011, 12, 30, 19, 0),
	   "2011-12-31 09:00 +14 is 2011-12-30 19:00Z");
	is_int(explain(sv, utc(2011, 12, 30, 10, 0)), 1, "the skipped day's midnight");
	ok(why[0].reason == SLOTS_REASON_OUTSIDE_HOURS && why[0].day == 2,
	   "10:00Z is 2011-12-31 00:00, outside its hours");
}

/*
 * A midnight that happens twice: America/Havana on Sunday 2027-11-07 goes
 * from 01:00 -04 back to 00:00 -05.  Sunday begins at its first midnight
 * (04:00Z), so a booking at 04:15Z (00:15 the first time) is Sunday's, for
 * the daily maximum too; Saturday ends at 04:00Z.  Grid times and windows
 * still map as AT TIME ZONE does (00:00 is 05:00Z, the second pass).
 */
static void
test_double_midnight(void)
{
	SlotsDay	days[2];
	SlotsSegment seg[2][1];
	SlotsWindow win[2];
	SlotsBusy	busy[1];
	SlotsRequest rq;
	SlotsSolver *sv;
	size_t		n;
	size_t		i;
	int			per_day[2] = {0, 0};
	int32_t		sat = date_of(2027, 11, 6);

	zone_fixed(&days[0], seg[0], sat, -hm(4, 0));
	zone_fixed(&days[1], seg[1], sat + 1, -hm(5, 0));
	days[1].start = utc(2027, 11, 7, 4, 0);
	days[0].end = days[1].start;
	days[1].end = utc(2027, 11, 8, 5, 0);
	window(&win[0], hm(20, 0), US_DAY, 0, 0);
	window(&win[1], 0, hm(3, 0), 0, 0);
	days[0].windows = &win[0];
	days[0].nwindows = 1;
	days[1].windows = &win[1];
	days[1].nwindows = 1;
	days[0].max_bookings = 1;
	days[1].max_bookings = 1;
	busy[0] = busy_item(1, utc(2027, 11, 7, 4, 15), utc(2027, 11, 7, 4, 45), 0, 0, -1);
	request_init(&rq, days, 2, busy, 1);
	rq.range_start = days[0].start;
	rq.grid_minutes = 60;
	sv = make_solver(&rq);
	n = solve(sv);
	for (i = 0; i < n && n != (size_t) -1; i++)
		per_day[out[i].day]++;
	ok(n != (size_t) -1 && per_day[0] == 4 && per_day[1] == 0,
	   "the booking at 00:15 (first pass) fills Sunday, not Saturday (%d %d)", per_day[0], per_day[1]);
	ok(n == 4 && out[0].start == utc(2027, 11, 7, 0, 0) && out[3].end == utc(2027, 11, 7, 4, 0),
	   "Saturday 20:00-24:00 -04 ends at Sunday's first midnight, 04:00Z");
	is_int(explain(sv, utc(2027, 11, 7, 5, 0)), 1, "Sunday 00:00 (second pass)");
	is_reason(0, SLOTS_REASON_DAILY_MAXIMUM, -1, 1, 1, "Sunday is full");
}

/* ---------------------------------------------------------------------
 * Every error code
 * ---------------------------------------------------------------------
 */

static void
is_error(const SlotsRequest *rq, SlotsError want, int day, int element,
		 const char *what)
{
	SlotsFault	f = {-7, -7};
	SlotsSolver *sv = NULL;

	is_int(slots_validate(rq, &f), want, "%s: %s", what, slots_error_message(want));
	ok(f.day == day && f.element == element, "%s: fault at day %d element %d (%d %d)",
	   what, day, element, f.day, f.element);
	is_int(slots_init(rq, workspace, sizeof(workspace), &sv, NULL), want,
		   "%s: slots_init agrees", what);
}

typedef struct ErrFixture
{
	SlotsSegment seg[2][3];
	SlotsWindow win[2][2];
	SlotsDay	days[2];
	SlotsBusy	busy[2];
	SlotsRequest rq;
} ErrFixture;

static void
err_init(ErrFixture *f)
{
	memset(f, 0, sizeof(*f));
	zone_fixed(&f->days[0], f->seg[0], date_of(2024, 6, 12), hm(2, 0));
	zone_fixed(&f->days[1], f->seg[1], date_of(2024, 6, 13), hm(2, 0));
	window(&f->win[0][0], hm(9, 0), hm(17, 0), hm(12, 0), hm(13, 0));
	window(&f->win[0][1], hm(18, 0), hm(19, 0), 0, 0);
	window(&f->win[1][0], hm(9, 0), hm(17, 0), 0, 0);
	f->days[0].windows = f->win[0];
	f->days[0].nwindows = 2;
	f->days[1].windows = f->win[1];
	f->days[1].nwindows = 1;
	f->busy[0] = busy_item(1, utc(2024, 6, 12, 8, 0), utc(2024, 6, 12, 9, 0), 0, 0, 1);
	f->busy[1] = busy_item(2, utc(2024, 6, 13, 8, 0), utc(2024, 6, 13, 9, 0), 0, 0, 1);
	request_init(&f->rq, f->days, 2, f->busy, 2);
}

static void
test_errors(void)
{
	ErrFixture	f;
	SlotsSolver *sv = NULL;
	size_t		size = 0;
	size_t		count;
	bool		truncated;

	err_init(&f);
	is_error(&f.rq, SLOTS_OK, -1, -1, "valid request");

	is_int(slots_validate(NULL, NULL), SLOTS_ERR_NULL_ARGUMENT, "null request");
	f.rq.days = NULL;
	is_error(&f.rq, SLOTS_ERR_NULL_ARGUMENT, -1, -1, "null days");
	err_init(&f);
	f.rq.busy = NULL;
	is_error(&f.rq, SLOTS_ERR_NULL_ARGUMENT, -1, -1, "null busy");
	err_init(&f);
	f.days[1].segments = NULL;
	is_error(&f.rq, SLOTS_ERR_NULL_ARGUMENT, 1, -1, "null segments");
	err_init(&f);
	f.days[0].windows = NULL;
	is_error(&f.rq, SLOTS_ERR_NULL_ARGUMENT, 0, -1, "null windows");
	err_init(&f);
	f.days[0].windows = NULL;
	f.days[0].nwindows = 0;
	is_error(&f.rq, SLOTS_OK, -1, -1, "null windows, none");

	err_init(&f);
	f.rq.range_end = f.rq.range_start;
	is_error(&f.rq, SLOTS_ERR_RANGE_EMPTY, -1, -1, "empty range");
	f.rq.range_end = f.rq.range_start - 1;
	is_error(&f.rq, SLOTS_ERR_RANGE_EMPTY, -1, -1, "inverted range");
	f.rq.range_end = f.rq.range_start + 366 * US_DAY;
	is_error(&f.rq, SLOTS_OK, -1, -1, "range of exactly 366 days");
	f.rq.range_end++;
	is_error(&f.rq, SLOTS_ERR_RANGE_TOO_LONG, -1, -1, "range of 366 days and 1 us");
	f.rq.range_start = SLOTS_TIME_MIN;
	f.rq.range_end = SLOTS_TIME_MAX;
	is_error(&f.rq, SLOTS_ERR_RANGE_TOO_LONG, -1, -1, "range of all time");

	err_init(&f);
	f.rq.range_start = INT64_MIN;
	is_error(&f.rq, SLOTS_ERR_TIME, -1, -1, "range from -infinity");
	err_init(&f);
	f.rq.range_end = INT64_MAX;
	is_error(&f.rq, SLOTS_ERR_TIME, -1, -1, "range to infinity");
	err_init(&f);
	f.busy[1].end = SLOTS_TIME_MAX + 1;
	is_error(&f.rq, SLOTS_ERR_TIME, -1, 1, "busy end past the time range");
	err_init(&f);
	f.days[1].end = INT64_MAX;
	is_error(&f.rq, SLOTS_ERR_TIME, 1, -1, "day end at infinity");
	err_init(&f);
	f.rq.earliest_start = INT64_MIN;
	f.rq.latest_start = INT64_MAX;
	is_error(&f.rq, SLOTS_OK, -1, -1, "notice and horizon may be infinite");

	err_init(&f);
	f.rq.duration = 0;
	is_error(&f.rq, SLOTS_ERR_DURATION, -1, -1, "zero duration");
	f.rq.duration = -mins(30);
	is_error(&f.rq, SLOTS_ERR_DURATION, -1, -1, "negative duration");
	f.rq.duration = US_DAY + 1;
	is_error(&f.rq, SLOTS_ERR_DURATION, -1, -1, "duration over a day");
	f.rq.duration = US_DAY;
	is_error(&f.rq, SLOTS_OK, -1, -1, "duration of a day");

	err_init(&f);
	f.rq.buffer_before = -1;
	is_error(&f.rq, SLOTS_ERR_BUFFER, -1, -1, "negative buffer before");
	err_init(&f);
	f.rq.buffer_after = US_DAY + 1;
	is_error(&f.rq, SLOTS_ERR_BUFFER, -1, -1, "buffer after over a day");
	err_init(&f);
	f.busy[0].buffer_before = -1;
	is_error(&f.rq, SLOTS_ERR_BUFFER, -1, 0, "busy item with a negative buffer");

	err_init(&f);
	f.rq.grid_minutes = 0;
	is_error(&f.rq, SLOTS_ERR_GRID, -1, -1, "zero grid step");
	f.rq.grid_minutes = -15;
	is_error(&f.rq, SLOTS_ERR_GRID, -1, -1, "negative grid step");
	f.rq.grid_minutes = 1441;
	is_error(&f.rq, SLOTS_ERR_GRID, -1, -1, "grid step over a day");
	f.rq.grid_minutes = 1440;
	is_error(&f.rq, SLOTS_OK, -1, -1, "grid step of a day");

	err_init(&f);
	f.rq.pickup_location = -2;
	is_error(&f.rq, SLOTS_ERR_LOCATION, -1, -1, "pickup -2");
	err_init(&f);
	f.busy[1].dropoff_location = -3;
	is_error(&f.rq, SLOTS_ERR_LOCATION, -1, 1, "busy dropoff -3");

	err_init(&f);
	f.rq.ndays = SLOTS_MAX_DAYS + 1;
	is_error(&f.rq, SLOTS_ERR_TOO_MANY_DAYS, -1, -1, "401 days");
	f.rq.ndays = -1;
	is_error(&f.rq, SLOTS_ERR_TOO_MANY_DAYS, -1, -1, "-1 days");

	err_init(&f);
	f.days[1].date = f.days[0].date;
	f.days[1].end = f.days[0].end;
	is_error(&f.rq, SLOTS_ERR_DAY_ORDER, 1, -1, "the same date twice");
	err_init(&f);
	f.days[0].end += mins(1);
	is_error(&f.rq, SLOTS_ERR_DAY_ORDER, 1, -1, "spans overlap by a minute");

	err_init(&f);
	f.days[0].date = INT32_MIN;
	is_error(&f.rq, SLOTS_ERR_DATE, 0, -1, "date too early");

	err_init(&f);
	f.days[1].kind = (SlotsDayKind) 3;
	is_error(&f.rq, SLOTS_ERR_DAY_KIND, 1, -1, "kind 3");

	err_init(&f);
	f.days[0].end = abs_of(&f.days[0], 0) - 1;
	is_error(&f.rq, SLOTS_ERR_DAY_SPAN, 0, -1, "inverted span");
	f.days[0].end = abs_of(&f.days[0], 0) + 2 * US_DAY + 1;
	is_error(&f.rq, SLOTS_ERR_DAY_SPAN, 0, -1, "span over two days");

	err_init(&f);
	f.days[1].nsegments = 0;
	is_error(&f.rq, SLOTS_ERR_SEGMENT_COUNT, 1, -1, "no segment");
	f.days[1].nsegments = SLOTS_MAX_SEGMENTS + 1;
	is_error(&f.rq, SLOTS_ERR_SEGMENT_COUNT, 1, -1, "nine segments");

	err_init(&f);
	f.seg[0][0].local_to = hm(12, 0);
	f.days[0].nsegments = 2;
	f.seg[0][1].local_from = hm(12, 30);
	f.seg[0][1].local_to = US_DAY;
	is_error(&f.rq, SLOTS_ERR_SEGMENTS, 0, 1, "a hole between segments");
	f.seg[0][1].local_from = hm(12, 0);
	f.seg[0][1].local_to = hm(23, 0);
	is_error(&f.rq, SLOTS_ERR_SEGMENTS, 0, 1, "segments ending at 23:00");
	f.seg[0][1].local_to = US_DAY;
	f.seg[0][1].utc_offset = hm(2, 0);
	is_error(&f.rq, SLOTS_OK, -1, -1, "two segments");
	f.seg[0][0].local_from = 1;
	is_error(&f.rq, SLOTS_ERR_SEGMENTS, 0, 0, "first segment not at 00:00");

	err_init(&f);
	f.seg[1][0].utc_offset = -US_DAY;
	is_error(&f.rq, SLOTS_ERR_UTC_OFFSET, 1, 0, "offset of minus a day");

	err_init(&f);
	f.days[0].nwindows = SLOTS_MAX_WINDOWS + 1;
	is_error(&f.rq, SLOTS_ERR_WINDOW_COUNT, 0, -1, "65 windows");
	is_int(slots_workspace_size(&f.rq, &size), SLOTS_ERR_WINDOW_COUNT,
		   "workspace size checks the windows");
	f.days[0].nwindows = -1;
	is_error(&f.rq, SLOTS_ERR_WINDOW_COUNT, 0, -1, "-1 windows");

	err_init(&f);
	f.win[0][1].to = f.win[0][1].from;
	is_error(&f.rq, SLOTS_ERR_WINDOW, 0, 1, "empty window");
	f.win[0][1].to = US_DAY + 1;
	is_error(&f.rq, SLOTS_ERR_WINDOW, 0, 1, "window past 24:00");
	f.win[0][1].from = -1;
	f.win[0][1].to = hm(1, 0);
	is_error(&f.rq, SLOTS_ERR_WINDOW, 0, 1, "window before 00:00");
	f.win[0][1].from = hm(5, 0);
	f.win[0][1].to = hm(4, 0);
	is_error(&f.rq, SLOTS_ERR_WINDOW, 0, 1, "inverted window");

	err_init(&f);
	f.win[0][0].break_from = hm(13, 0);
	f.win[0][0].break_to = hm(12, 0);
	is_error(&f.rq, SLOTS_ERR_BREAK, 0, 0, "inverted break");
	f.win[0][0].break_from = hm(8, 0);
	f.win[0][0].break_to = hm(10, 0);
	is_error(&f.rq, SLOTS_ERR_BREAK, 0, 0, "break starting before its window");
	f.win[0][0].break_from = hm(16, 0);
	f.win[0][0].break_to = hm(17, 1);
	is_error(&f.rq, SLOTS_ERR_BREAK, 0, 0, "break ending after its window");
	f.win[0][0].break_from = hm(20, 0);
	f.win[0][0].break_to = hm(20, 0);
	is_error(&f.rq, SLOTS_OK, -1, -1, "empty break is no break");

	err_init(&f);
	f.days[1].max_bookings = -1;
	is_error(&f.rq, SLOTS_ERR_MAX_BOOKINGS, 1, -1, "negative maximum");

	err_init(&f);
	f.days[0].travel_buffer = -1;
	is_error(&f.rq, SLOTS_ERR_TRAVEL_BUFFER, 0, -1, "negative travel buffer");
	f.days[0].travel_buffer = US_DAY + 1;
	is_error(&f.rq, SLOTS_ERR_TRAVEL_BUFFER, 0, -1, "travel buffer over a day");

	err_init(&f);
	f.rq.nbusy = SLOTS_MAX_BUSY + 1;
	is_error(&f.rq, SLOTS_ERR_TOO_MANY_BUSY, -1, -1, "100001 busy items");
	is_int(slots_workspace_size(&f.rq, &size), SLOTS_ERR_TOO_MANY_BUSY,
		   "workspace size checks the busy count");
	f.rq.nbusy = -1;
	is_error(&f.rq, SLOTS_ERR_TOO_MANY_BUSY, -1, -1, "-1 busy items");

	err_init(&f);
	f.busy[1].end = f.busy[1].start;
	is_error(&f.rq, SLOTS_ERR_BUSY_INTERVAL, -1, 1, "empty busy item");
	f.busy[1].end = f.busy[1].start - 1;
	is_error(&f.rq, SLOTS_ERR_BUSY_INTERVAL, -1, 1, "inverted busy item");

	/* workspace */
	err_init(&f);
	ok(slots_workspace_size(&f.rq, &size) == SLOTS_OK && size > 0,
	   "workspace size of a valid request");
	is_int(slots_workspace_size(NULL, &size), SLOTS_ERR_NULL_ARGUMENT,
		   "workspace size of null");
	is_int(slots_init(&f.rq, workspace, size - 1, &sv, NULL), SLOTS_ERR_WORKSPACE,
		   "workspace one byte short");
	is_int(slots_init(&f.rq, (char *) workspace + 4, size, &sv, NULL),
		   SLOTS_ERR_WORKSPACE, "misaligned workspace");
	is_int(slots_init(&f.rq, NULL, size, &sv, NULL), SLOTS_ERR_NULL_ARGUMENT,
		   "null workspace");
	is_int(slots_init(&f.rq, workspace, size, NULL, NULL), SLOTS_ERR_NULL_ARGUMENT,
		   "null solver pointer");
	is_int(slots_init(&f.rq, workspace, size, &sv, NULL), SLOTS_OK,
		   "exactly the workspace size");

	/* the other entry points */
	is_int(slots_explain(sv, INT64_MAX, why, 64, &count, &truncated), SLOTS_ERR_TIME,
		   "explain at infinity");
	is_int(slots_explain(sv, SLOTS_TIME_MAX, why, 64, &count, &truncated), SLOTS_OK,
		   "explain at the last instant");
	is_int(slots_explain(NULL, 0, why, 64, &count, &truncated), SLOTS_ERR_NULL_ARGUMENT,
		   "explain without solver");
	is_int(slots_explain(sv, 0, NULL, 1, &count, &truncated), SLOTS_ERR_NULL_ARGUMENT,
		   "explain into null with capacity");
	is_int(slots_solve(sv, NULL, 1, &count, &truncated), SLOTS_ERR_NULL_ARGUMENT,
		   "solve into null with capacity");
	is_int(slots_solve_day(sv, 0, out, 1, NULL, &truncated), SLOTS_ERR_NULL_ARGUMENT,
		   "solve_day without count");
	is_int(slots_day_capacity(NULL), 0, "capacity of no solver");
}

/* ---------------------------------------------------------------------
 * Randomized: the rules, naively, against the solver
 * ---------------------------------------------------------------------
 */

static uint64_t rng_state = 88172645463325252ULL;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static int64_t
rnd_range(int64_t lo, int64_t hi)
{
	return lo + (int64_t) (rnd() % (uint64_t) (hi - lo + 1));
}

#define RDAYS 3
#define RBUSY 10

typedef struct RandCase
{
	SlotsSegment seg[RDAYS][3];
	SlotsWindow win[RDAYS][4];
	SlotsDay	days[RDAYS];
	SlotsBusy	busy[RBUSY];
	TravelTable travel;
	TravelTable naive_travel;
	SlotsRequest rq;
	SlotsRequest naive_rq;		/* rq asking naive_travel, for naive_slots.h */
} RandCase;

/*
 * Consecutive days of a zone with at most one transition, on any listed
 * day or the day after them, often at the edges of the day (a gap ending
 * at 24:00, an overlap starting at 00:00).
 */
static void
rand_case(RandCase *c)
{
	int			ndays = (int) rnd_range(1, RDAYS);
	int32_t		date = date_of(2024, 1, 1) + (int32_t) rnd_range(0, 365);
	int64_t		o_before = mins(15 * (int) rnd_range(-48, 56));
	int64_t		o_after = o_before;
	int64_t		at = 0;
	int			td = (int) rnd_range(0, ndays);
	int			kind = (int) rnd_range(0, 3);
	bool		edge = rnd() % 3 == 0;
	int			d;
	int			i;

	memset(c, 0, sizeof(*c));
	if (kind == 1 || kind == 2)
	{
		static const int shifts[] = {30, 60, 120};
		int64_t		delta = mins(shifts[rnd_range(0, 2)]);

		at = mins(30 * (int) rnd_range(0, 48));
		if (kind == 1)
		{
			o_after = o_before + delta;
			if (edge)
				at = rnd() % 2 ? 0 : US_DAY - delta;
			if (at + delta > US_DAY)
				at = US_DAY - delta;
		}
		else
		{
			o_after = o_before - delta;
			if (edge)
				at = rnd() % 2 ? delta : US_DAY;
			if (at < delta)
				at = delta;
		}
	}
	for (d = 0; d < ndays; d++)
	{
		SlotsDay   *day = &c->days[d];

		memset(day, 0, sizeof(*day));
		naive_zone_day(day, c->seg[d], date + d, d, td, at, o_before, o_after);
		day->kind = SLOTS_DAY_REGULAR;
		if (rnd() % 8 == 0)
			day->kind = SLOTS_DAY_EXCEPTION_OFF;
		else if (rnd() % 8 == 0)
			day->kind = SLOTS_DAY_EXCEPTION_HOURS;
		day->nwindows = (int) rnd_range(0, 4);
		for (i = 0; i < day->nwindows; i++)
		{
			SlotsWindow *w = &c->win[d][i];
			int64_t		from = mins(15 * (int) rnd_range(0, 95));
			int64_t		to = from + mins(15 * (int) rnd_range(1, 48));

			if (to > US_DAY || rnd() % 8 == 0)
				to = US_DAY;
			w->from = from;
			w->to = to;
			w->break_from = w->break_to = 0;
			if (rnd() % 2 == 0 && to - from >= mins(30))
			{
				w->break_from = from +
					mins(15 * (int) rnd_range(0, (to - from) / mins(15) - 1));
				w->break_to = w->break_from +
					mins(15 * (int) rnd_range(1, (to - w->break_from) / mins(15)));
			}
		}
		day->windows = c->win[d];
		day->max_bookings = rnd() % 3 == 0 ? (int) rnd_range(1, 3) : 0;
		day->travel_buffer = mins(5 * (int) rnd_range(0, 6));
	}
	for (i = 0; i < RBUSY; i++)
	{
		int			grain = rnd() % 2 ? 5 : 60;
		int64_t		s = abs_of(&c->days[0], 0) +
			mins(grain * (int) rnd_range(-360 / grain,
										 (1440 * ndays + 360) / grain));

		c->busy[i] = busy_item(1000 + i, s, s + mins(grain * (int) rnd_range(1, 150 / grain + 1)),
							   mins(5 * (int) rnd_range(0, 6)),
							   mins(5 * (int) rnd_range(0, 6)),
							   (int) rnd_range(-1, 3));
		c->busy[i].dropoff_location = (int) rnd_range(-1, 3);
	}
	for (i = 0; i < 16; i++)
	{
		int			m = (int) rnd_range(-10, 90);

		if (rnd() % 20 == 0)
			m = 5000;
		c->travel.minutes[i / 4][i % 4] = m;
		c->naive_travel.minutes[i / 4][i % 4] = m;
	}
	request_init(&c->rq, c->days, ndays, c->busy, (int) rnd_range(0, RBUSY));
	c->rq.duration = mins(5 * (int) rnd_range(1, 24));
	c->rq.buffer_before = mins(5 * (int) rnd_range(0, 4));
	c->rq.buffer_after = mins(5 * (int) rnd_range(0, 4));
	c->rq.pickup_location = (int) rnd_range(-1, 3);
	c->rq.dropoff_location = (int) rnd_range(-1, 3);
	{
		static const int grids[] = {5, 7, 10, 15, 20, 30, 45, 60, 90, 1440};

		c->rq.grid_minutes = grids[rnd_range(0, 9)];
	}
	c->rq.range_start += mins(15 * (int) rnd_range(-8, 30));
	c->rq.range_end -= mins(15 * (int) rnd_range(0, 30));
	if (c->rq.range_end <= c->rq.range_start)
		c->rq.range_end = c->rq.range_start + mins(15);
	if (rnd() % 2)
		c->rq.earliest_start = c->rq.range_start + mins(15 * (int) rnd_range(0, 60));
	if (rnd() % 2)
		c->rq.latest_start = c->rq.range_end - mins(15 * (int) rnd_range(0, 60));
	c->rq.travel = table_travel;
	c->rq.travel_context = &c->travel;
	c->naive_rq = c->rq;
	c->naive_rq.travel_context = &c->naive_travel;
}

static int64_t candidates[RDAYS * 1440 + 64];
static SlotsSlot naive_out[RDAYS * 1440];

static void
test_random(void)
{
	int			ncases = 3000;
	int			k;
	int			agree_list = 0;
	int			agree_explain = 0;
	int			agree_naive_random = 0;
	int			memo_ok = 0;
	long		total_slots = 0;
	long		total_checked = 0;
	long		days_with_dst = 0;

	for (k = 0; k < ncases; k++)
	{
		RandCase	c;
		SlotsSolver *sv;
		size_t		n;
		size_t		nn;
		size_t		nc;
		size_t		i;
		int			d;
		bool		list_same;
		bool		explain_same = true;
		bool		naive_same = true;

		rand_case(&c);
		for (d = 0; d < c.rq.ndays; d++)
			days_with_dst += c.days[d].nsegments > 1 ||
				c.days[d].end - abs_of(&c.days[d], 0) != US_DAY;
		sv = make_solver(&c.rq);
		if (sv == NULL)
		{
			ok(0, "random case %d: solver not built", k);
			continue;
		}
		n = solve(sv);

		/* the naive rules at every grid point of every day */
		nc = naive_grid_points(&c.naive_rq, candidates);
		nn = naive_slots(&c.naive_rq, candidates, nc, naive_out);
		list_same = n == nn;
		for (i = 0; list_same && i < n; i++)
			list_same = naive_same_slot(&out[i], &naive_out[i]);
		if (list_same)
			agree_list++;
		else
		{
			printf("# case %d: solver %zu slots, naive %zu\n", k, n, nn);
			for (i = 0; i < n || i < nn; i++)
				if (i >= n || i >= nn || !naive_same_slot(&out[i], &naive_out[i]))
				{
					printf("#   %zu: solver %" PRId64 " tb %d ta %d ib %" PRId64 " ia %" PRId64
						   " | naive %" PRId64 " tb %d ta %d ib %" PRId64 " ia %" PRId64 "\n",
						   i, i < n ? out[i].start : 0, i < n ? out[i].travel_before : 0,
						   i < n ? out[i].travel_after : 0, i < n ? out[i].idle_before : 0,
						   i < n ? out[i].idle_after : 0,
						   i < nn ? naive_out[i].start : 0, i < nn ? naive_out[i].travel_before : 0,
						   i < nn ? naive_out[i].travel_after : 0, i < nn ? naive_out[i].idle_before : 0,
						   i < nn ? naive_out[i].idle_after : 0);
					break;
				}
		}

		/*
		 * listed iff explain gives no reason: grid points and random starts
		 * (every other one on a 5-minute step from the first midnight, so
		 * some are grid points); at the random starts also iff the naive
		 * rules, rule 5 included, allow it
		 */
		for (i = 0; i < nc + 64; i++)
		{
			int64_t		s = i < nc ? candidates[i]
				: rnd_range(-US_DAY, 4 * US_DAY);
			size_t		r;
			size_t		lo = 0;
			size_t		hi = n;
			bool		listed;

			if (i >= nc)
				s = abs_of(&c.days[0], 0) + (i % 2 ? s - s % mins(5) : s);
			r = explain(sv, s);

			while (lo < hi)
			{
				size_t		mid = (lo + hi) / 2;

				if (out[mid].start < s)
					lo = mid + 1;
				else
					hi = mid;
			}
			listed = lo < n && out[lo].start == s;
			total_checked++;
			if (i >= nc && listed != naive_bookable(&c.naive_rq, s, NULL))
			{
				if (naive_same)
					printf("# case %d: start %" PRId64 " listed %d, naive %d\n",
						   k, s, listed, !listed);
				naive_same = false;
			}
			if (r == (size_t) -1 || listed != (r == 0))
			{
				if (explain_same)
					printf("# case %d: start %" PRId64 " listed %d, %zu reasons\n",
						   k, s, listed, r);
				explain_same = false;
			}
		}
		if (explain_same)
			agree_explain++;
		if (naive_same)
			agree_naive_random++;
		if (c.travel.calls <= 2 * c.rq.nbusy)
			memo_ok++;
		total_slots += (long) n;
	}
	is_int(agree_list, ncases, "random: solver equals the naive rules in %d cases "
		   "(%ld slots, %ld days with a DST change)", ncases, total_slots,
		   days_with_dst);
	is_int(agree_explain, ncases, "random: listed iff no reason, %ld starts",
		   total_checked);
	is_int(agree_naive_random, ncases,
		   "random: listed iff the naive rules allow it at 64 random starts a case");
	is_int(memo_ok, ncases, "random: travel asked at most once per item and direction");
}

/*
 * find_slots' travel bound of a day: the least travel between the new
 * booking and an item of the day, at most the travel of every slot.
 */
static void
test_travel_bound(void)
{
	WorkDay		w;
	SlotsSolver *sv;
	size_t		n;
	size_t		i;
	int			bound = -1;
	int			least = 1 << 30;

	workday_init(&w);
	is_int(slots_day_travel_bound(&w.rq, 0, &bound), SLOTS_OK, "travel bound: ok");
	is_int(bound, 20, "travel bound: the least travel to or from 101 or 102 (20 minutes)");
	sv = make_solver(&w.rq);
	n = solve(sv);
	for (i = 0; i < n; i++)
		if (out[i].travel_before + out[i].travel_after < least)
			least = out[i].travel_before + out[i].travel_after;
	ok(n > 0 && bound <= least, "travel bound: at most every slot's travel (%d)", least);
	is_int(least, 20, "travel bound: tight on this day");

	w.travel.minutes[0][2] = 0;
	is_int(slots_day_travel_bound(&w.rq, 0, &bound), SLOTS_OK, "travel bound with a 0-minute leg: ok");
	is_int(bound, 0, "travel bound: 0 when some leg to an item of the day takes 0");

	w.rq.nbusy = 0;
	is_int(slots_day_travel_bound(&w.rq, 0, &bound), SLOTS_OK, "travel bound without items: ok");
	is_int(bound, 0, "travel bound: 0 on a day without items");
	w.rq.nbusy = 2;
	w.rq.travel = NULL;
	is_int(slots_day_travel_bound(&w.rq, 0, &bound), SLOTS_OK, "travel bound without travel: ok");
	is_int(bound, 0, "travel bound: 0 without a travel callback");

	is_int(slots_day_travel_bound(&w.rq, 1, &bound), SLOTS_ERR_DAY_INDEX, "travel bound: day index checked");
	is_int(slots_day_travel_bound(&w.rq, -1, &bound), SLOTS_ERR_DAY_INDEX, "travel bound: negative day index");
	is_int(slots_day_travel_bound(NULL, 0, &bound), SLOTS_ERR_NULL_ARGUMENT, "travel bound: no request");
	is_int(slots_day_travel_bound(&w.rq, 0, NULL), SLOTS_ERR_NULL_ARGUMENT, "travel bound: no result");
}

int
main(void)
{
	test_messages();
	test_day_map();
	test_workday();
	test_travel_bound();
	test_neighbours();
	test_dst_days();
	test_days();
	test_skipped_day();
	test_double_midnight();
	test_errors();
	test_random();
	return done_testing();
}
