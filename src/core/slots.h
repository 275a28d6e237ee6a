/*-------------------------------------------------------------------------
 *
 * src/core/slots.h
 *		Pure C core of the availability solver: the free slots of one
 *		resource for one service, and every reason a given start is refused.
 *
 * This file includes no PostgreSQL header, keeps no global state and
 * allocates nothing: the caller hands in one workspace (slots_workspace_size
 * says how large) and output arrays with their capacity.  Bad input gives a
 * SlotsError instead of an assertion; the SQL glue maps each code to an
 * SQLSTATE (slots_error_message() gives the lowercase errmsg text).
 *
 * Times are int64 microseconds since 2000-01-01 00:00 UTC, the
 * representation of timestamptz; durations are int64 microseconds.  Every
 * interval is half-open, [from, to).  Time zones are not handled here: the
 * glue describes each local day with a map from wall-clock time to absolute
 * time computed by PostgreSQL's own tz code (see THE DAY MAP).
 *
 * The slot enumeration (slots_solve_day) and the explanation (slots_explain)
 * evaluate one and the same predicate, so a start is enumerated if and only
 * if slots_explain() reports no reason for it.
 *
 * THE RULES (an independent SQL reference implements exactly these)
 *
 * Notation: s is a candidate start, e = s + duration its end; B and A are
 * the requested service's buffer_before and buffer_after; for a busy item
 * x, x.start, x.end, x.B and x.A are its times and its own service's
 * buffers.  "tb" is the travel buffer of the slot's local day.  Everything
 * below is in microseconds unless it says minutes.
 *
 *  1. Range.  [s, e) lies inside the request range:
 *		  range_start <= s  and  e <= range_end.
 *
 *  2. Notice and horizon.  earliest_start <= s <= latest_start (both
 *	   inclusive; the glue passes now() + minimum notice and now() + horizon).
 *	   earliest_start > latest_start is allowed and leaves no slot.
 *
 *  3. Local day.  The local day of s is the listed day whose span
 *	   [start, end) contains s (see THE DAY MAP; the span holds the
 *	   instants of the local date; a
 *	   date the calendar skips has an empty span and contains nothing).  An
 *	   instant in no listed day's span is outside working hours.  Rules 4-6
 *	   use that day; a slot never spans two local days: a window that ends in
 *	   a gap at the end of the day (America/Nuuk 2027-03-27, [21:00, 23:50))
 *	   ends at the day's end, as the instants after it are the next day's.
 *
 *  4. Working hours.  Each working window [from, to) of the day (local
 *	   wall-clock, 0 <= from < to <= 24:00) maps to the absolute interval
 *	   W = [abs(from), abs(to)), its optional break [break_from, break_to)
 *	   to Br = [abs(break_from), abs(break_to)); a mapped interval whose end
 *	   is not after its start is empty (this happens only across a
 *	   spring-forward gap).  The day's
 *		  hours  H = span  intersect  union of W over its windows,
 *		  open   O = span  intersect  union of (W minus Br) over its windows,
 *	   each merged into disjoint intervals (touching intervals merge: windows
 *	   09:00-12:00 and 12:00-17:00 make one interval).  A break removes time
 *	   only from its own window.  The slot must lie inside O:
 *		  [s, e) inside H, else "outside working hours" (on an exception
 *			day with hours: "exception hours"),
 *		  [s, e) meets no part of H minus O, else "in a break" (one reason
 *			per such part),
 *	   which together are exactly "[s, e) inside O".  On an exception day
 *	   off, O and H are empty and the only hours reason is "exception day
 *	   off" (the glue passes the exception's hours, or no windows, instead
 *	   of the weekly windows, but the weekday's max_bookings and
 *	   travel_buffer; an exclusive lower bound of exception hours starts a
 *	   microsecond later, an inclusive upper bound ends a microsecond later,
 *	   at most at 24:00, an open bound is 00:00 or 24:00).
 *
 *  5. Grid.  The grid points of a local day are the local times
 *	   k * grid_minutes for k = 0, 1, ... while below 24:00, counted from
 *	   local midnight, each mapped to absolute time with the day map; two
 *	   local points that map to the same instant (the skipped hour of a
 *	   spring-forward day and the hour after it) give one candidate.  s must
 *	   be a grid point of its day.  On a fall-back day the first pass of the
 *	   repeated hour has no grid points (its local times map to the second
 *	   pass), exactly as with generate_series over local times followed by
 *	   AT TIME ZONE.
 *
 *  6. Daily maximum.  With max_bookings > 0, the day offers no slot when the
 *	   number of busy items whose start lies in the day's span is at least
 *	   max_bookings.  Every busy item counts (the glue passes active bookings,
 *	   unexpired holds and scheduled sessions).  When local midnight happens
 *	   twice (America/Havana 2027-11-07), the first pass of the repeated hour
 *	   is the new date's (its span starts there) and counts there.
 *
 *  7. Buffers (against every busy item).  The resource is occupied by a
 *	   booking from its start minus its buffer_before to its end plus its
 *	   buffer_after.  The new occupied interval [s - B, e + A) must not meet
 *	   any [x.start - x.B, x.end + x.A).  For an item before the slot this
 *	   is  s - x.end >= x.A + B;  after it,  x.start - e >= A + x.B.
 *	   Reasons: "overlaps item x" when [s, e) meets [x.start, x.end) itself,
 *	   otherwise "buffer from x" / "buffer to x" with the needed and the
 *	   available gap.
 *
 *  8. Travel (against the neighbours).  The previous items are the busy
 *	   items with the greatest end that is <= s; the next items are those
 *	   with the smallest start that is >= e (ties are all taken, so the rule
 *	   needs no tie-break).  For each previous item p and each next item n:
 *		  s - p.end   >= max(travel(p.dropoff -> pickup), tb)
 *		  n.start - e >= max(travel(dropoff -> n.pickup), tb)
 *	   where travel() is the glue's callback in minutes (0 when either
 *	   location is -1 or there is no callback; a negative result means
 *	   "unknown" and counts as 0; a result above SLOTS_MAX_TRAVEL_MINUTES,
 *	   1440, counts as that maximum: the write path locks the local days of
 *	   an appointment and the day before and after, so two writers that do
 *	   not wait for each other write appointments at least 24 hours apart,
 *	   and no requirement may exceed that).  Travel may happen during the buffers, so
 *	   together with rule 7 the gap between two consecutive appointments is
 *		  max(prev.buffer_after + new.buffer_before, travel, travel buffer)
 *	   before the slot and likewise after it.  The travel buffer of the
 *	   slot's day applies on both sides, even if the neighbour is on another
 *	   day.  Items further away are not neighbours: a resource travels from
 *	   its previous appointment, not from the one before that.
 *
 * A start satisfying 1-8 is a slot [s, e).  Nothing else is checked (the
 * glue checks license rules and the like itself).
 *
 * WHAT IS REPORTED PER SLOT (for the glue's "best first" score)
 *
 *	 travel_before: the greatest travel() in minutes from a previous item
 *		that ends inside the slot's day, that is p.end >= span start (an item
 *		ending at midnight counts); 0 if there is none.  travel_after
 *		likewise for a next item that starts before the day's end.
 *	 idle_before, idle_after: dead time created, in microseconds.  Let
 *	   [o_from, o_to) be the interval of O that contains the slot and
 *		  E = max(o_from,
 *				  max over items x with x.end <= s of (x.end + x.A) + B,
 *				  p.end + max(travel(p), tb)   for each previous item p)
 *		  F = min(o_to,
 *				  min over items x with x.start >= e of (x.start - x.B) - A,
 *				  n.start - max(travel(n), tb) for each next item n)
 *	   E is the earliest start and F the latest end another appointment of
 *	   the same service at the same pickup and dropoff could have in the gaps
 *	   left before and after the slot (grid, notice and range ignored).  Two
 *	   such appointments need duration + max(A + B, tb) between the start of
 *	   one and the start of the next, so
 *		  idle_before = s - E  if s - E < duration + max(A + B, tb), else 0
 *		  idle_after  = F - e  if F - e < duration + max(A + B, tb), else 0
 *	   i.e. the free time beside the slot that is too short to sell again.
 *
 * THE DAY MAP
 *
 * For local day "date" the glue passes the day's span and a list of
 * segments {local_from, local_to, utc_offset}: offsets from local midnight
 * in microseconds, 0 = local_from of the first < local_to = local_from of
 * the next < ... < local_to of the last = 24:00, and the UTC offset in
 * microseconds east of Greenwich (Berlin in winter: +3600000000).  A local
 * time t < 24:00 in a segment maps to
 *		abs(t) = date * SLOTS_USECS_PER_DAY + t - utc_offset,
 * and local 24:00 maps to the day's end.  This is PostgreSQL's
 * (date + time) AT TIME ZONE zone provided the glue follows its rule: a
 * nonexistent local time (spring-forward gap) takes the offset before the
 * transition, a repeated one (fall-back overlap) the offset after it.  So a
 * normal day has one segment; Europe/Berlin on 2024-03-31 has
 *		[00:00, 02:00) +1h, [02:00, 03:00) +1h (nonexistent), [03:00, 24:00) +2h
 * with span [2024-03-30 23:00Z, 2024-03-31 22:00Z); on 2024-10-27
 *		[00:00, 02:00) +2h, [02:00, 24:00) +1h (02:00-03:00 repeated)
 * with span [2024-10-26 22:00Z, 2024-10-27 23:00Z).  The span is passed in
 * (start and end): the instants whose local date is the day's,
 *		start = (date + '00:00') AT TIME ZONE zone, except when local midnight
 *				happens twice (America/Havana 2027-11-07: 00:00 at -04, then
 *				again at -05): the first pass, 04:00Z, at the offset before,
 *		end   = the start of date + 1.
 * So local 24:00 (mapped to end) can be before the mapping of the next
 * date's 00:00, and a grid time or window mapped past end is clipped away.
 * end == start is a date the calendar skips (Pacific/Apia 2011-12-30:
 * 10:00Z to 10:00Z), which offers nothing.  Listed
 * days have increasing dates and spans that do not overlap (consecutive
 * dates give adjacent spans).  Everything a day contributes (hours, grid
 * points) is clipped to its span, so each instant belongs to at most one
 * day.
 *
 * WORK AND INTERRUPTS
 *
 * slots_init() validates the request and sorts the busy items:
 * O((windows + busy) log busy).  slots_solve_day() does one local day:
 * O(grid points of the day * (log busy + log windows + segments)), at most
 * slots_day_capacity() slots; the glue checks for interrupts between days.
 * slots_explain() is O(busy) for one start.  The travel callback is called
 * at most once per busy item and direction (results are memoized in the
 * workspace), only for items that are a neighbour of some examined start;
 * it must be a pure function of its arguments during one solver's life.
 * It may ereport(ERROR): the core holds no resource besides the caller's
 * memory.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BOOKING_SLOTS_H
#define BOOKING_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SLOTS_USECS_PER_MINUTE		INT64_C(60000000)
#define SLOTS_USECS_PER_HOUR		INT64_C(3600000000)
#define SLOTS_USECS_PER_DAY			INT64_C(86400000000)

/*
 * Every absolute time passed in lies in the range of a finite timestamptz:
 * from 4714-11-24 00:00:00 UTC BC (PostgreSQL's MIN_TIMESTAMP) to
 * 294276-12-31 23:59:59.999999 UTC (END_TIMESTAMP - 1).
 */
#define SLOTS_TIME_MIN				INT64_C(-211813488000000000)
#define SLOTS_TIME_MAX				INT64_C(9223371331199999999)

/* Documented maxima; more is SLOTS_ERR_TOO_MANY_* or SLOTS_ERR_RANGE_TOO_LONG. */
#define SLOTS_MAX_DAYS				400		/* local days per request */
#define SLOTS_MAX_SEGMENTS			8		/* day-map segments per day */
#define SLOTS_MAX_WINDOWS			64		/* working windows per day */
#define SLOTS_MAX_BUSY				100000	/* busy items per request */
#define SLOTS_MAX_RANGE_DAYS		366		/* length of the request range */

/* Bounds of the durations (all inclusive). */
#define SLOTS_MAX_DURATION			SLOTS_USECS_PER_DAY /* service, > 0 */
#define SLOTS_MAX_BUFFER			SLOTS_USECS_PER_DAY /* buffers, >= 0 */
#define SLOTS_MAX_TRAVEL_BUFFER		SLOTS_USECS_PER_DAY /* per day, >= 0 */
#define SLOTS_MAX_UTC_OFFSET		(SLOTS_USECS_PER_DAY - 1)	/* |offset| */
#define SLOTS_MAX_DAY_LENGTH		(2 * SLOTS_USECS_PER_DAY)	/* span, > 0 */
#define SLOTS_MAX_GRID_MINUTES		1440	/* grid step, 1..1440 minutes */

/*
 * Travel callback results are capped at one day: no travel requirement,
 * buffer or travel buffer exceeds a day, so no rule looks further than
 * SLOTS_BUSY_MARGIN from a slot (see SlotsRequest).
 */
#define SLOTS_MAX_TRAVEL_MINUTES	1440
#define SLOTS_BUSY_MARGIN			(4 * SLOTS_USECS_PER_DAY)

/*
 * After a day, the rules look less far: an item that starts at or after
 * days[d].end + SLOTS_AHEAD_MARGIN changes nothing about the slots of day d
 * (each slot ends by the day's end; the gap rule 7 needs after it is A +
 * x.B, rule 8's max(travel, tb), each at most two days; such an item's
 * padded start, minus A, and its start minus travel are at or after the
 * day's end, so idle_after is not changed; travel_after is reported only
 * for items starting in the day).  So slots_solve_day(d) may be given only
 * the items that start before that (find_slots reads items that late).
 */
#define SLOTS_AHEAD_MARGIN			(2 * SLOTS_USECS_PER_DAY)

/*
 * Result of every function that can fail.  SLOTS_OK is zero; every other
 * code names one kind of bad input (SlotsFault says where), so the glue can
 * give each its own SQLSTATE.  On error no output is written except the
 * fault.
 */
typedef enum SlotsError
{
	SLOTS_OK = 0,
	SLOTS_ERR_NULL_ARGUMENT,	/* a required pointer is NULL */
	SLOTS_ERR_RANGE_EMPTY,		/* range_end <= range_start */
	SLOTS_ERR_RANGE_TOO_LONG,	/* range longer than SLOTS_MAX_RANGE_DAYS */
	SLOTS_ERR_TIME,				/* a time outside SLOTS_TIME_MIN..MAX */
	SLOTS_ERR_DURATION,			/* duration outside 1..SLOTS_MAX_DURATION */
	SLOTS_ERR_BUFFER,			/* a buffer outside 0..SLOTS_MAX_BUFFER */
	SLOTS_ERR_GRID,				/* grid step outside 1..1440 minutes */
	SLOTS_ERR_LOCATION,			/* a location index below -1 */
	SLOTS_ERR_TOO_MANY_DAYS,	/* ndays outside 0..SLOTS_MAX_DAYS */
	SLOTS_ERR_DAY_ORDER,		/* dates not increasing or spans overlapping */
	SLOTS_ERR_DATE,				/* local midnight outside the time range */
	SLOTS_ERR_DAY_KIND,			/* kind not a SlotsDayKind */
	SLOTS_ERR_DAY_SPAN,			/* span inverted or over two days */
	SLOTS_ERR_SEGMENT_COUNT,	/* nsegments outside 1..SLOTS_MAX_SEGMENTS */
	SLOTS_ERR_SEGMENTS,			/* segments do not tile [00:00, 24:00) */
	SLOTS_ERR_UTC_OFFSET,		/* |utc_offset| >= one day */
	SLOTS_ERR_WINDOW_COUNT,		/* nwindows outside 0..SLOTS_MAX_WINDOWS */
	SLOTS_ERR_WINDOW,			/* window empty, inverted or beyond 24:00 */
	SLOTS_ERR_BREAK,			/* break inverted or outside its window */
	SLOTS_ERR_MAX_BOOKINGS,		/* max_bookings negative */
	SLOTS_ERR_TRAVEL_BUFFER,	/* travel buffer outside 0..one day */
	SLOTS_ERR_TOO_MANY_BUSY,	/* nbusy outside 0..SLOTS_MAX_BUSY */
	SLOTS_ERR_BUSY_INTERVAL,	/* busy item with end <= start */
	SLOTS_ERR_LOCAL_TIME,		/* local time outside 00:00..24:00 */
	SLOTS_ERR_DAY_INDEX,		/* day index outside 0..ndays-1 */
	SLOTS_ERR_WORKSPACE			/* workspace too small or not 8-aligned */
} SlotsError;

#define SLOTS_ERROR_COUNT			((int) SLOTS_ERR_WORKSPACE + 1)

/*
 * Where a validation error was found: the index into days[] (or -1) and the
 * index of the segment or window inside that day, or of the busy item (or
 * -1).
 */
typedef struct SlotsFault
{
	int			day;
	int			element;
} SlotsFault;

/* What the glue selected for a local day. */
typedef enum SlotsDayKind
{
	SLOTS_DAY_REGULAR = 0,		/* the weekly working windows of that date */
	SLOTS_DAY_EXCEPTION_OFF,	/* an exception: not working (windows are
								 * checked, then ignored) */
	SLOTS_DAY_EXCEPTION_HOURS	/* an exception: its own hours as windows */
} SlotsDayKind;

/* One piece of a day map: local [local_from, local_to) at utc_offset. */
typedef struct SlotsSegment
{
	int64_t		local_from;		/* microseconds after local midnight */
	int64_t		local_to;		/* ..., at most 24:00 */
	int64_t		utc_offset;		/* microseconds east of Greenwich */
} SlotsSegment;

/*
 * A working window in local wall-clock time, microseconds after local
 * midnight: 0 <= from < to <= 24:00.  The break is optional: break_from ==
 * break_to means none; otherwise from <= break_from < break_to <= to.
 */
typedef struct SlotsWindow
{
	int64_t		from;
	int64_t		to;
	int64_t		break_from;
	int64_t		break_to;
} SlotsWindow;

/* One local calendar day of the resource. */
typedef struct SlotsDay
{
	int32_t		date;			/* days since 2000-01-01, as DateADT */
	SlotsDayKind kind;
	int64_t		start;			/* the first instant of the date, see THE DAY MAP */
	int64_t		end;			/* the first instant of the next date */
	const SlotsSegment *segments;	/* the day map, see above */
	int			nsegments;
	const SlotsWindow *windows; /* any order; may overlap */
	int			nwindows;
	int			max_bookings;	/* 0 = unlimited */
	int64_t		travel_buffer;	/* minimum gap to a neighbour, rule 8 */
} SlotsDay;

/* An existing active booking or unexpired hold of the resource. */
typedef struct SlotsBusy
{
	int64_t		id;				/* opaque, reported back in reasons */
	int64_t		start;
	int64_t		end;			/* > start */
	int64_t		buffer_before;	/* of its service, 0..SLOTS_MAX_BUFFER */
	int64_t		buffer_after;
	int			pickup_location;	/* index for the travel callback, or -1 */
	int			dropoff_location;
} SlotsBusy;

/*
 * Minutes of travel from location index from_location to to_location (both
 * >= 0), for example read from a travel_matrix() of the distinct points.
 * See rule 8 for negative and huge results.
 */
typedef int (*SlotsTravelFunc) (void *context, int from_location,
								int to_location);

/*
 * One request: one resource, one service.  The arrays are read, never
 * written, and must stay unchanged while a solver made from the request is
 * used.  The glue passes every local day whose span meets the range (more
 * are allowed), and every busy item of the resource that meets
 * [range_start - SLOTS_BUSY_MARGIN, range_end + SLOTS_BUSY_MARGIN) or starts
 * in a listed day.  That is all the rules can see: a requirement (buffers,
 * travel, travel buffer) is at most two days and a span at most two days.
 * An item left out is treated as nonexistent.
 */
typedef struct SlotsRequest
{
	int64_t		duration;		/* of the service, 1..SLOTS_MAX_DURATION */
	int64_t		buffer_before;	/* B, 0..SLOTS_MAX_BUFFER */
	int64_t		buffer_after;	/* A, 0..SLOTS_MAX_BUFFER */
	int			pickup_location;	/* of the new booking, or -1 */
	int			dropoff_location;	/* of the new booking, or -1 */
	int			grid_minutes;	/* 1..1440 */
	int64_t		range_start;	/* a slot lies entirely inside */
	int64_t		range_end;		/* [range_start, range_end) */
	int64_t		earliest_start; /* now + minimum notice, any value */
	int64_t		latest_start;	/* now + horizon, any value */
	const SlotsDay *days;		/* increasing dates */
	int			ndays;
	const SlotsBusy *busy;		/* any order */
	int			nbusy;
	SlotsTravelFunc travel;		/* may be NULL: no travel times */
	void	   *travel_context;
} SlotsRequest;

/* A bookable slot and what the glue needs to score it. */
typedef struct SlotsSlot
{
	int64_t		start;
	int64_t		end;			/* start + duration */
	int			day;			/* index into days[] */
	int			travel_before;	/* minutes, see WHAT IS REPORTED */
	int			travel_after;	/* minutes */
	int64_t		idle_before;	/* microseconds */
	int64_t		idle_after;		/* microseconds */
} SlotsSlot;

/*
 * Why a start is not bookable.  The arguments of each reason are in the
 * SlotsExplanation fields named here; fields not named are 0 (item -1).
 */
typedef enum SlotsReason
{
	SLOTS_REASON_OUTSIDE_RANGE = 1, /* rule 1; from, to = the request range */
	SLOTS_REASON_NOTICE,		/* rule 2; have = s, need = earliest_start */
	SLOTS_REASON_HORIZON,		/* rule 2; have = s, need = latest_start */
	SLOTS_REASON_DAY_OFF,		/* rule 4; day */
	SLOTS_REASON_OUTSIDE_HOURS, /* rule 4 (day -1: no listed day); day */
	SLOTS_REASON_EXCEPTION_HOURS,	/* rule 4 on an exception day; day */
	SLOTS_REASON_IN_BREAK,		/* rule 4; day, from, to = the break part */
	SLOTS_REASON_OFF_GRID,		/* rule 5; day, need = grid step */
	SLOTS_REASON_DAILY_MAXIMUM, /* rule 6; day, have = items, need = max */
	SLOTS_REASON_OVERLAP,		/* rule 7; item, from, to = its times */
	SLOTS_REASON_BUFFER_FROM,	/* rule 7; item, have = s - x.end,
								 * need = x.A + B */
	SLOTS_REASON_BUFFER_TO,		/* rule 7; item, have = x.start - e,
								 * need = A + x.B */
	SLOTS_REASON_TRAVEL_FROM,	/* rule 8; item, have = s - p.end,
								 * need = max(travel, tb), travel_minutes */
	SLOTS_REASON_TRAVEL_TO		/* rule 8; item, have = n.start - e,
								 * need = max(travel, tb), travel_minutes */
} SlotsReason;

#define SLOTS_REASON_COUNT			((int) SLOTS_REASON_TRAVEL_TO + 1)

/*
 * One reason.  slots_explain() lists reasons in SlotsReason order, except
 * that the reasons of rule 7 (OVERLAP, BUFFER_FROM, BUFFER_TO) come one per
 * item in order of the item's occupied start; the items of rule 8 come in
 * order of their start.
 */
typedef struct SlotsExplanation
{
	SlotsReason reason;
	int			day;			/* the local day of the start (rule 3), or -1 */
	int			item;			/* index into busy[], or -1 */
	int			travel_minutes; /* TRAVEL_*: travel() alone */
	int64_t		item_id;		/* busy[item].id, or 0 */
	int64_t		have;
	int64_t		need;
	int64_t		from;
	int64_t		to;
} SlotsExplanation;

/* The solver state, inside the caller's workspace. */
typedef struct SlotsSolver SlotsSolver;

/*
 * slots_error_message
 *		Lowercase errmsg text for a code, without a final period.  Never NULL;
 *		an unknown code gives "unknown slots error".
 */
extern const char *slots_error_message(SlotsError error);

/*
 * slots_reason_name
 *		Stable lowercase identifier of a reason ("outside_hours", ...), for
 *		the SQL result.  Never NULL; an unknown code gives "unknown".
 */
extern const char *slots_reason_name(SlotsReason reason);

/*
 * slots_local_to_absolute
 *		Map local wall-clock time "local" (microseconds after midnight,
 *		0..24:00 inclusive) of a day to absolute time with the day map (see
 *		THE DAY MAP).  Only the day's date, end and segments are used and
 *		checked (SLOTS_ERR_DATE, _SEGMENT_COUNT, _NULL_ARGUMENT, _SEGMENTS,
 *		_UTC_OFFSET, _TIME for the end, then SLOTS_ERR_LOCAL_TIME).
 */
extern SlotsError slots_local_to_absolute(const SlotsDay *day, int64_t local,
										  int64_t *result);

/*
 * slots_validate
 *		Check every field of a request: the scalars in struct order, then
 *		each day (date, kind, segments, span, order, windows in index order,
 *		max_bookings, travel buffer), then each busy item.  fault may be NULL;
 *		if given it is always set, to {-1, -1} when nothing is at fault.
 */
extern SlotsError slots_validate(const SlotsRequest *request,
								 SlotsFault *fault);

/*
 * slots_workspace_size
 *		Bytes of workspace slots_init() needs for this request (depends only
 *		on ndays, the nwindows and nbusy, which are checked here).
 */
extern SlotsError slots_workspace_size(const SlotsRequest *request,
									   size_t *size);

/*
 * slots_init
 *		Validate the request (as slots_validate), then build the solver in
 *		workspace, which must be 8-byte aligned (palloc memory is) and at
 *		least slots_workspace_size() bytes.  The solver refers to the
 *		request's arrays and lives as long as the workspace.
 */
extern SlotsError slots_init(const SlotsRequest *request, void *workspace,
							 size_t size, SlotsSolver **solver,
							 SlotsFault *fault);

/*
 * slots_day_capacity
 *		The most slots any one day can produce: ceil(1440 / grid_minutes).
 */
extern size_t slots_day_capacity(const SlotsSolver *solver);

/*
 * slots_solve_day
 *		The slots of days[day], sorted by start, into out[0..capacity-1].
 *		*count receives how many were written; *truncated whether more
 *		exist.  Slots of a later day all start after those of an earlier day.
 */
extern SlotsError slots_solve_day(SlotsSolver *solver, int day,
								  SlotsSlot *out, size_t capacity,
								  size_t *count, bool *truncated);

/*
 * slots_solve
 *		slots_solve_day() for every day in order, into one array (for small
 *		requests and tests; the glue prefers one day per call).
 */
extern SlotsError slots_solve(SlotsSolver *solver, SlotsSlot *out,
							  size_t capacity, size_t *count,
							  bool *truncated);

/*
 * slots_day_open
 *		The open time O of days[day] (rule 4: working windows minus their
 *		breaks, clipped to the day's span; empty on a day off or a day whose
 *		daily maximum is reached, rule 6), as sorted disjoint intervals
 *		[from[i], to[i]) into the caller's arrays of the given capacity.
 *		*count receives how many were written, *truncated whether more
 *		exist (at most 2 * nwindows of the day).
 */
extern SlotsError slots_day_open(const SlotsSolver *solver, int day,
								 int64_t *from, int64_t *to, size_t capacity,
								 size_t *count, bool *truncated);

/*
 * slots_day_travel_bound
 *		A lower bound of travel_before + travel_after (see WHAT IS REPORTED)
 *		of every slot of days[day] of the request, into *minutes: the least
 *		travel() between the new booking and a busy item facing the day
 *		from inside it (an item whose end lies in the day's span, travelling
 *		to the new pickup; or whose start does, from the new dropoff), as a
 *		bookable slot overlaps no item and so has one of them before or
 *		after it; 0 if the day has no such item.  Needs no solver (the
 *		request is not validated: only the day index and the pointers are
 *		checked), so it is cheap: O(busy) and one travel() per item and
 *		side facing the day.  Only the items facing the day matter, so a
 *		request with the items that start before the day's end suffices.
 *		find_slots ranks resource-days by it before solving them.
 */
extern SlotsError slots_day_travel_bound(const SlotsRequest *request, int day,
										 int *minutes);

/*
 * slots_explain
 *		Every reason start is not bookable, into out[0..capacity-1]; *count
 *		receives how many were written (0: bookable, or truncated with
 *		capacity 0) and *truncated whether more exist.  start must lie in
 *		SLOTS_TIME_MIN..SLOTS_TIME_MAX (else SLOTS_ERR_TIME).
 */
extern SlotsError slots_explain(SlotsSolver *solver, int64_t start,
								SlotsExplanation *out, size_t capacity,
								size_t *count, bool *truncated);

#endif							/* BOOKING_SLOTS_H */
