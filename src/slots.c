/*
 * src/slots.c
 *		SQL glue of the availability solver: booking.available_slots(),
 *		booking.find_slots(), booking.explain_slot() and booking.free_time().
 *
 * The rules are in src/core/slots.c.  This file reads the solver's inputs
 * from the tables (for one resource or for many at once, with one query per
 * kind of input), builds the local day maps with PostgreSQL's own time zone
 * code, supplies travel times through the travel-time glue, and turns the
 * core's slots and reasons into rows.
 *
 * How the tables become the core's request (documented in the README):
 *	 - local days: every date from the local date of the range's start minus
 *	   one to the local date of its end; a date with an availability
 *	   exception uses it (day off, or its hours without breaks), any other
 *	   date the active working_hours rows of its ISO weekday whose effective
 *	   range contains it;
 *	 - the daily maximum is the least non-zero max_bookings_per_day of those
 *	   rows, the travel buffer the greatest travel_buffer_minutes;
 *	 - busy items: bookings outside sessions that occupy the resource now
 *	   (booking.occupies_now: an occupying status, not a lapsed hold) with
 *	   the buffers stored on them, and scheduled sessions of the resource
 *	   with their service's buffers; pickup and dropoff points (a booking
 *	   without a dropoff ends where it was picked up; a session's location
 *	   point for both);
 *	 - travel: from an item's dropoff to the new pickup departing at the
 *	   item's end, and from the new dropoff (the pickup, unless the write
 *	   path's check gives the booking's own) to the next item's
 *	   pickup timed at that item's start, by booking.travel_time's rules;
 *	 - notice and horizon: now() + min_notice_minutes, now() +
 *	   booking_horizon_days * 24 hours, both inclusive.
 *
 * The functions are SECURITY DEFINER: availability depends on every booking
 * of a resource, also those the caller may not read.  They answer only for
 * the acting org, and explain_slot names a conflicting booking only to
 * staff and to the resource's own user.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/multirangetypes.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "booking.h"
#include "core/slots.h"

#define USECS_PER_MIN	INT64CONST(60000000)

/* One resource's part of a request. */
typedef struct ResourceInput
{
	pg_uuid_t	id;
	SlotsDay   *days;
	SlotsBusy  *busy;
	int			nbusy;
	int			maxbusy;
	pg_uuid_t  *busy_ids;		/* booking or session id of each item */
	bool	   *busy_is_session;
	TravelPoint *busy_pickup;
	TravelPoint *busy_dropoff;
	bool	   *busy_has_pickup;
	bool	   *busy_has_dropoff;
} ResourceInput;

/* Everything one call solves over. */
typedef struct SolveInput
{
	pg_uuid_t	org;
	pg_tz	   *tz;
	int			grid;
	int64		earliest;
	int64		latest;
	int64		range_start;
	int64		range_end;
	DateADT		first_date;
	int			ndays;
	SlotsSegment *segments;		/* ndays * SLOTS_MAX_SEGMENTS */
	int		   *nsegments;
	int64	   *day_end;
	/* the service */
	pg_uuid_t	service;
	int64		duration;
	int64		buffer_before;
	int64		buffer_after;
	/* the new booking's pickup and dropoff */
	bool		has_pickup;
	TravelPoint pickup;
	bool		has_dropoff;
	TravelPoint dropoff;
	/* a booking left out of the busy items (the one being written) */
	bool		has_exclude;
	pg_uuid_t	exclude;
	/* resources */
	int			nresources;
	ResourceInput *resources;
	TravelOrg  *travel;
	MemoryContext cxt;			/* where the inputs live (not SPI's) */
} SolveInput;

/* The travel callback's context: one resource of one input. */
typedef struct TravelContext
{
	SolveInput *in;
	ResourceInput *r;
} TravelContext;

/*
 * SPI_execute_with_args, then back to the inputs' context: every SPI call
 * returns in SPI's procedure context, which SPI_finish() frees.
 */
static void
spi_select(SolveInput *in, const char *sql, int nargs, Oid *argtypes, Datum *values,
		   const char *nulls)
{
	int			ret = SPI_execute_with_args(sql, nargs, argtypes, values, nulls, true, 0);

	MemoryContextSwitchTo(in->cxt);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "solver input query failed: %s", SPI_result_code_string(ret));
}

static Datum
uuid_datum(const pg_uuid_t *u)
{
	return UUIDPGetDatum(unconstify(pg_uuid_t *, u));
}

static char *
uuid_str(const pg_uuid_t *u)
{
	return DatumGetCString(DirectFunctionCall1(uuid_out, uuid_datum(u)));
}

/* Map a core error to an ereport. */
static void
slots_error(SlotsError err, const SlotsFault *fault)
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

static void
require_acting_org(pg_uuid_t *org)
{
	if (!booking_acting_org(org))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("no acting org"),
				 errhint("Call booking.act_as(org_id, user_id) first.")));
}

/*
 * The UTC offset (microseconds east) PostgreSQL applies to local timestamp
 * "local" in zone tz, exactly as (timestamp) AT TIME ZONE tz does.
 */
static int64
local_offset(int64 local, pg_tz *tz)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			west;

	if (timestamp2tm(local, NULL, &tm, &fsec, NULL, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	west = DetermineTimeZoneOffset(&tm, tz);
	return -(int64) west * USECS_PER_SEC;
}

static int
cmp_int64(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}

/*
 * The day map of local date "date": the local times where PostgreSQL's
 * local-to-absolute rule changes are found from the zone's transitions
 * (pg_next_dst_boundary), and the offset of each segment is the one
 * PostgreSQL itself applies to the segment's first local time.
 */
static void
day_map(pg_tz *tz, DateADT date, SlotsSegment *seg, int *nseg, int64 *end)
{
	int64		midnight = (int64) date * USECS_PER_DAY;
	int64		cuts[2 * SLOTS_MAX_SEGMENTS + 2];
	int			ncuts = 0;
	pg_time_t	t;
	int			i;
	int			n = 0;

	/* transitions from a day before to two days after local midnight */
	t = (pg_time_t) ((midnight - 36 * USECS_PER_HOUR) / USECS_PER_SEC +
					 (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY);
	cuts[ncuts++] = 0;
	for (i = 0; i < SLOTS_MAX_SEGMENTS; i++)
	{
		long		before_off;
		long		after_off;
		int			before_dst;
		int			after_dst;
		pg_time_t	boundary;
		int64		babs;

		if (pg_next_dst_boundary(&t, &before_off, &before_dst, &boundary,
								 &after_off, &after_dst, tz) != 1)
			break;
		babs = ((int64) boundary - (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY) * USECS_PER_SEC;
		if (babs > midnight + 60 * USECS_PER_HOUR)
			break;
		/* the local times of the transition before and after it */
		{
			int64		lb = babs + (int64) before_off * USECS_PER_SEC - midnight;
			int64		la = babs + (int64) after_off * USECS_PER_SEC - midnight;

			if (lb > 0 && lb < USECS_PER_DAY)
				cuts[ncuts++] = lb;
			if (la > 0 && la < USECS_PER_DAY)
				cuts[ncuts++] = la;
		}
		t = boundary;
	}
	qsort(cuts, ncuts, sizeof(int64), cmp_int64);
	for (i = 0; i < ncuts; i++)
	{
		int64		off;

		if (i > 0 && cuts[i] == cuts[i - 1])
			continue;
		off = local_offset(midnight + cuts[i], tz);
		if (n > 0 && seg[n - 1].utc_offset == off)
			continue;
		if (n > 0)
			seg[n - 1].local_to = cuts[i];
		seg[n].local_from = cuts[i];
		seg[n].local_to = USECS_PER_DAY;
		seg[n].utc_offset = off;
		n++;
		if (n == SLOTS_MAX_SEGMENTS)
			break;
	}
	*nseg = n;
	*end = midnight + USECS_PER_DAY - local_offset(midnight + USECS_PER_DAY, tz);
}

static DateADT
local_date(pg_tz *tz, TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;

	if (timestamp2tm(t, &tzoff, &tm, &fsec, NULL, tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return date2j(tm.tm_year, tm.tm_mon, tm.tm_mday) - POSTGRES_EPOCH_JDATE;
}

/* Read the org's settings and the service; check the range. */
static void
load_org_and_service(SolveInput *in, const pg_uuid_t *service, TimestampTz range_start,
					 TimestampTz range_end)
{
	Oid			argtypes[2] = {UUIDOID, UUIDOID};
	Datum		values[2];
	bool		isnull;
	HeapTuple	row;
	TupleDesc	desc;
	char	   *zone;
	int64		now = GetCurrentTransactionStartTimestamp();
	DateADT		last_date;
	int			i;

	values[0] = uuid_datum(&in->org);
	values[1] = service ? uuid_datum(service) : (Datum) 0;
	spi_select(in,
								"SELECT o.time_zone::pg_catalog.text, o.slot_step_minutes, o.min_notice_minutes,"
								"       o.booking_horizon_days, s.duration_minutes, s.buffer_before_minutes,"
								"       s.buffer_after_minutes, s.lesson_type, s.id IS NOT NULL, s.active"
								"  FROM booking.org o"
								"  LEFT JOIN booking.service s ON s.org_id OPERATOR(pg_catalog.=) o.id"
								"   AND s.id OPERATOR(pg_catalog.=) $2"
								" WHERE o.id OPERATOR(pg_catalog.=) $1",
					2, argtypes, values, service ? NULL : " n");
	if (SPI_processed != 1)
		elog(ERROR, "acting org not found");
	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	if (service && !DatumGetBool(SPI_getbinval(row, desc, 9, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("service %s does not exist in the acting org", uuid_str(service))));
	if (service && !DatumGetBool(SPI_getbinval(row, desc, 10, &isnull)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("service %s is not active", uuid_str(service))));
	zone = SPI_getvalue(row, desc, 1);
	in->tz = pg_tzset(zone);
	if (in->tz == NULL)
		elog(ERROR, "time zone \"%s\" of the org is unknown", zone);
	in->grid = DatumGetInt32(SPI_getbinval(row, desc, 2, &isnull));
	in->earliest = now + DatumGetInt32(SPI_getbinval(row, desc, 3, &isnull)) * USECS_PER_MIN;
	in->latest = now + (int64) DatumGetInt32(SPI_getbinval(row, desc, 4, &isnull)) * USECS_PER_DAY;
	if (service)
	{
		in->service = *service;
		in->duration = DatumGetInt32(SPI_getbinval(row, desc, 5, &isnull)) * USECS_PER_MIN;
		in->buffer_before = DatumGetInt32(SPI_getbinval(row, desc, 6, &isnull)) * USECS_PER_MIN;
		in->buffer_after = DatumGetInt32(SPI_getbinval(row, desc, 7, &isnull)) * USECS_PER_MIN;
	}
	else
		in->duration = USECS_PER_MIN;	/* free_time: any service */

	in->range_start = range_start;
	in->range_end = range_end;
	if (range_end <= range_start)
		slots_error(SLOTS_ERR_RANGE_EMPTY, NULL);
	if (range_end - range_start > (int64) SLOTS_MAX_RANGE_DAYS * USECS_PER_DAY)
		slots_error(SLOTS_ERR_RANGE_TOO_LONG, NULL);
	in->first_date = local_date(in->tz, range_start) - 1;
	last_date = local_date(in->tz, range_end);
	in->ndays = last_date - in->first_date + 1;
	in->segments = palloc(sizeof(SlotsSegment) * SLOTS_MAX_SEGMENTS * in->ndays);
	in->nsegments = palloc(sizeof(int) * in->ndays);
	in->day_end = palloc(sizeof(int64) * in->ndays);
	for (i = 0; i < in->ndays; i++)
		day_map(in->tz, in->first_date + i, &in->segments[i * SLOTS_MAX_SEGMENTS],
				&in->nsegments[i], &in->day_end[i]);
}

static int64
time_us(Datum d)
{
	return DatumGetTimeADT(d);
}

static ResourceInput *
find_resource(SolveInput *in, const pg_uuid_t *id)
{
	int			lo = 0;
	int			hi = in->nresources - 1;

	/* resources are sorted by id (the query orders them) */
	while (lo <= hi)
	{
		int			mid = (lo + hi) / 2;
		int			c = memcmp(&in->resources[mid].id, id, sizeof(pg_uuid_t));

		if (c == 0)
			return &in->resources[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return NULL;
}

static void
add_window(SlotsDay *day, int64 from, int64 to, int64 bfrom, int64 bto)
{
	SlotsWindow *w;

	if (day->nwindows >= SLOTS_MAX_WINDOWS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("more than %d working windows on one day", SLOTS_MAX_WINDOWS)));
	w = (SlotsWindow *) &day->windows[day->nwindows++];
	w->from = from;
	w->to = to;
	w->break_from = bfrom;
	w->break_to = bto;
}

/*
 * Load the resources (active, of the acting org; one given or all),
 * their days and their busy items.
 */
static void
load_resources(SolveInput *in, const pg_uuid_t *only)
{
	Oid			argtypes[4] = {UUIDOID, UUIDOID, DATEOID, DATEOID};
	Datum		values[4];
	char		nulls[4] = {' ', only ? ' ' : 'n', ' ', ' '};
	uint64		i;
	int			d;
	bool		isnull;
	bool	   *exception_seen;

	values[0] = uuid_datum(&in->org);
	values[1] = only ? uuid_datum(only) : (Datum) 0;
	values[2] = DateADTGetDatum(in->first_date);
	values[3] = DateADTGetDatum(in->first_date + in->ndays - 1);

	spi_select(in,
								"SELECT r.id, r.active FROM booking.resource r"
								" WHERE r.org_id OPERATOR(pg_catalog.=) $1"
								"   AND ($2 IS NULL OR r.id OPERATOR(pg_catalog.=) $2)"
								" ORDER BY r.id",
					2, argtypes, values, nulls);
	if (only && SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("resource %s does not exist in the acting org", uuid_str(only))));
	in->resources = palloc0(sizeof(ResourceInput) * Max(SPI_processed, 1));
	in->nresources = 0;
	for (i = 0; i < SPI_processed; i++)
	{
		ResourceInput *r;

		if (!DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull)))
		{
			if (only)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("resource %s is not active", uuid_str(only))));
			continue;
		}
		r = &in->resources[in->nresources++];
		r->id = *DatumGetUUIDP(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		r->days = palloc0(sizeof(SlotsDay) * in->ndays);
		for (d = 0; d < in->ndays; d++)
		{
			r->days[d].date = in->first_date + d;
			r->days[d].kind = SLOTS_DAY_REGULAR;
			r->days[d].end = in->day_end[d];
			r->days[d].segments = &in->segments[d * SLOTS_MAX_SEGMENTS];
			r->days[d].nsegments = in->nsegments[d];
			r->days[d].windows = palloc(sizeof(SlotsWindow) * SLOTS_MAX_WINDOWS);
		}
		r->maxbusy = 16;
		r->busy = palloc(sizeof(SlotsBusy) * r->maxbusy);
		r->busy_ids = palloc(sizeof(pg_uuid_t) * r->maxbusy);
		r->busy_is_session = palloc(sizeof(bool) * r->maxbusy);
		r->busy_pickup = palloc(sizeof(TravelPoint) * r->maxbusy);
		r->busy_dropoff = palloc(sizeof(TravelPoint) * r->maxbusy);
		r->busy_has_pickup = palloc(sizeof(bool) * r->maxbusy);
		r->busy_has_dropoff = palloc(sizeof(bool) * r->maxbusy);
	}
	if (in->nresources == 0)
		return;

	/* exceptions first: a date with one ignores the weekly windows */
	exception_seen = palloc0(sizeof(bool) * in->nresources * in->ndays);
	spi_select(in,
								"SELECT e.resource_id, e.on_date, e.available,"
								"       ARRAY(SELECT COALESCE(pg_catalog.lower(x), '00:00'::pg_catalog.time) FROM pg_catalog.unnest(e.hours) x),"
								"       ARRAY(SELECT COALESCE(pg_catalog.upper(x), '24:00'::pg_catalog.time) FROM pg_catalog.unnest(e.hours) x)"
								"  FROM booking.availability_exception e"
								" WHERE e.org_id OPERATOR(pg_catalog.=) $1"
								"   AND ($2 IS NULL OR e.resource_id OPERATOR(pg_catalog.=) $2)"
								"   AND e.on_date BETWEEN $3 AND $4",
					4, argtypes, values, nulls);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		ResourceInput *r = find_resource(in, DatumGetUUIDP(SPI_getbinval(row, desc, 1, &isnull)));
		SlotsDay   *day;

		if (r == NULL)
			continue;
		d = DatumGetDateADT(SPI_getbinval(row, desc, 2, &isnull)) - in->first_date;
		day = &r->days[d];
		exception_seen[(r - in->resources) * in->ndays + d] = true;
		if (!DatumGetBool(SPI_getbinval(row, desc, 3, &isnull)))
			day->kind = SLOTS_DAY_EXCEPTION_OFF;
		else
		{
			ArrayType  *lo = DatumGetArrayTypeP(SPI_getbinval(row, desc, 4, &isnull));
			ArrayType  *hi = DatumGetArrayTypeP(SPI_getbinval(row, desc, 5, &isnull));
			int			n = ArrayGetNItems(ARR_NDIM(lo), ARR_DIMS(lo));
			int			k;

			day->kind = SLOTS_DAY_EXCEPTION_HOURS;
			for (k = 0; k < n; k++)
				add_window(day, ((TimeADT *) ARR_DATA_PTR(lo))[k], ((TimeADT *) ARR_DATA_PTR(hi))[k], 0, 0);
		}
	}

	/* weekly windows, daily maximum and travel buffer */
	spi_select(in,
								"SELECT w.resource_id, w.weekday, pg_catalog.lower(w.hours), pg_catalog.upper(w.hours),"
								"       pg_catalog.lower(w.break), pg_catalog.upper(w.break),"
								"       w.max_bookings_per_day, w.travel_buffer_minutes,"
								"       COALESCE(pg_catalog.lower(w.effective), '-infinity'::pg_catalog.date),"
								"       COALESCE(pg_catalog.upper(w.effective), 'infinity'::pg_catalog.date)"
								"  FROM booking.working_hours w"
								" WHERE w.org_id OPERATOR(pg_catalog.=) $1"
								"   AND ($2 IS NULL OR w.resource_id OPERATOR(pg_catalog.=) $2)"
								"   AND w.active"
								"   AND w.effective OPERATOR(pg_catalog.&&) pg_catalog.daterange($3, $4, '[]')",
					4, argtypes, values, nulls);
	for (i = 0; i < SPI_processed; i++)
	{
		HeapTuple	row = SPI_tuptable->vals[i];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		ResourceInput *r = find_resource(in, DatumGetUUIDP(SPI_getbinval(row, desc, 1, &isnull)));
		int			weekday = DatumGetInt16(SPI_getbinval(row, desc, 2, &isnull));
		int64		from = time_us(SPI_getbinval(row, desc, 3, &isnull));
		int64		to = time_us(SPI_getbinval(row, desc, 4, &isnull));
		int64		bfrom = 0;
		int64		bto = 0;
		bool		nobreak;
		bool		nomax;
		int			maxb;
		int			tb;
		DateADT		eff_lo;
		DateADT		eff_hi;

		if (r == NULL)
			continue;
		bfrom = DatumGetTimeADT(SPI_getbinval(row, desc, 5, &nobreak));
		if (!nobreak)
			bto = DatumGetTimeADT(SPI_getbinval(row, desc, 6, &isnull));
		else
			bfrom = 0;
		maxb = DatumGetInt32(SPI_getbinval(row, desc, 7, &nomax));
		tb = DatumGetInt32(SPI_getbinval(row, desc, 8, &isnull));
		eff_lo = DatumGetDateADT(SPI_getbinval(row, desc, 9, &isnull));
		eff_hi = DatumGetDateADT(SPI_getbinval(row, desc, 10, &isnull));
		for (d = 0; d < in->ndays; d++)
		{
			DateADT		date = in->first_date + d;
			SlotsDay   *day = &r->days[d];

			/* ISO weekday: 2000-01-01 (date 0) was a Saturday (6) */
			if ((((date % 7) + 7) % 7 + 5) % 7 + 1 != weekday)
				continue;
			if (date < eff_lo || date >= eff_hi)
				continue;
			if (!nomax && maxb > 0 && (day->max_bookings == 0 || maxb < day->max_bookings))
				day->max_bookings = maxb;
			if ((int64) tb * USECS_PER_MIN > day->travel_buffer)
				day->travel_buffer = (int64) tb * USECS_PER_MIN;
			if (!exception_seen[(r - in->resources) * in->ndays + d])
				add_window(day, from, to, bfrom, bto);
		}
	}

	/* busy items around the range */
	{
		Oid			bargtypes[4] = {UUIDOID, UUIDOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
		Datum		bvalues[4];
		int64		lo = Min(in->range_start, (int64) in->first_date * USECS_PER_DAY - 2 * USECS_PER_DAY) - SLOTS_BUSY_MARGIN;
		int64		hi = Max(in->range_end, in->day_end[in->ndays - 1]) + SLOTS_BUSY_MARGIN;

		bvalues[0] = values[0];
		bvalues[1] = values[1];
		bvalues[2] = TimestampTzGetDatum(lo);
		bvalues[3] = TimestampTzGetDatum(hi);
		spi_select(in,
									"SELECT b.resource_id, b.id, b.starts_at, b.ends_at, b.buffer_before_minutes,"
									"       b.buffer_after_minutes, b.pickup_point,"
									"       COALESCE(b.dropoff_point, b.pickup_point), false"
									"  FROM booking.booking b"
									" WHERE b.org_id OPERATOR(pg_catalog.=) $1"
									"   AND ($2 IS NULL OR b.resource_id OPERATOR(pg_catalog.=) $2)"
									"   AND b.session_id IS NULL AND booking.occupies_now(b.status, b.hold_expires_at)"
									"   AND b.starts_at OPERATOR(pg_catalog.<) $4 AND b.ends_at OPERATOR(pg_catalog.>) $3"
									" UNION ALL "
									"SELECT x.resource_id, x.id, x.starts_at, x.ends_at, s.buffer_before_minutes,"
									"       s.buffer_after_minutes, l.point, l.point, true"
									"  FROM booking.session x"
									"  JOIN booking.service s ON s.org_id OPERATOR(pg_catalog.=) x.org_id"
									"   AND s.id OPERATOR(pg_catalog.=) x.service_id"
									"  LEFT JOIN booking.location l ON l.org_id OPERATOR(pg_catalog.=) x.org_id"
									"   AND l.id OPERATOR(pg_catalog.=) x.location_id"
									" WHERE x.org_id OPERATOR(pg_catalog.=) $1"
									"   AND ($2 IS NULL OR x.resource_id OPERATOR(pg_catalog.=) $2)"
									"   AND x.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status"
									"   AND x.starts_at OPERATOR(pg_catalog.<) $4 AND x.ends_at OPERATOR(pg_catalog.>) $3",
					4, bargtypes, bvalues, nulls);
		for (i = 0; i < SPI_processed; i++)
		{
			HeapTuple	row = SPI_tuptable->vals[i];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			ResourceInput *r = find_resource(in, DatumGetUUIDP(SPI_getbinval(row, desc, 1, &isnull)));
			SlotsBusy  *b;
			int			k;
			Datum		p;

			if (r == NULL)
				continue;
			if (i % 1024 == 0)
				CHECK_FOR_INTERRUPTS();
			if (in->has_exclude && !DatumGetBool(SPI_getbinval(row, desc, 9, &isnull)) &&
				memcmp(DatumGetUUIDP(SPI_getbinval(row, desc, 2, &isnull)), &in->exclude,
					   sizeof(pg_uuid_t)) == 0)
				continue;
			if (r->nbusy == r->maxbusy)
			{
				r->maxbusy *= 2;
				r->busy = repalloc(r->busy, sizeof(SlotsBusy) * r->maxbusy);
				r->busy_ids = repalloc(r->busy_ids, sizeof(pg_uuid_t) * r->maxbusy);
				r->busy_is_session = repalloc(r->busy_is_session, sizeof(bool) * r->maxbusy);
				r->busy_pickup = repalloc(r->busy_pickup, sizeof(TravelPoint) * r->maxbusy);
				r->busy_dropoff = repalloc(r->busy_dropoff, sizeof(TravelPoint) * r->maxbusy);
				r->busy_has_pickup = repalloc(r->busy_has_pickup, sizeof(bool) * r->maxbusy);
				r->busy_has_dropoff = repalloc(r->busy_has_dropoff, sizeof(bool) * r->maxbusy);
			}
			k = r->nbusy++;
			b = &r->busy[k];
			b->id = k;
			r->busy_ids[k] = *DatumGetUUIDP(SPI_getbinval(row, desc, 2, &isnull));
			b->start = DatumGetTimestampTz(SPI_getbinval(row, desc, 3, &isnull));
			b->end = DatumGetTimestampTz(SPI_getbinval(row, desc, 4, &isnull));
			b->buffer_before = DatumGetInt32(SPI_getbinval(row, desc, 5, &isnull)) * USECS_PER_MIN;
			b->buffer_after = DatumGetInt32(SPI_getbinval(row, desc, 6, &isnull)) * USECS_PER_MIN;
			p = SPI_getbinval(row, desc, 7, &isnull);
			r->busy_has_pickup[k] = !isnull;
			if (!isnull)
				booking_point_from_geography(p, "pickup_point", &r->busy_pickup[k]);
			p = SPI_getbinval(row, desc, 8, &isnull);
			r->busy_has_dropoff[k] = !isnull;
			if (!isnull)
				booking_point_from_geography(p, "dropoff_point", &r->busy_dropoff[k]);
			r->busy_is_session[k] = DatumGetBool(SPI_getbinval(row, desc, 9, &isnull));
			/* location indexes: item k's dropoff is 2k, its pickup 2k + 1 */
			b->dropoff_location = r->busy_has_dropoff[k] ? 2 * k : -1;
			b->pickup_location = r->busy_has_pickup[k] ? 2 * k + 1 : -1;
		}
	}
}

/*
 * The travel callback.  Location 2k is item k's dropoff (departing at its
 * end), 2k + 1 its pickup; the new booking's pickup is NEW_PICKUP and its
 * dropoff NEW_DROPOFF (see request_for).
 */
#define NEW_PICKUP (PG_INT32_MAX - 1)
#define NEW_DROPOFF (PG_INT32_MAX - 2)

static int
travel_callback(void *context, int from, int to)
{
	TravelContext *c = context;
	TravelLeg	leg;

	if (from == NEW_DROPOFF && to < NEW_DROPOFF && to % 2 == 1)
	{
		int			k = to / 2;

		booking_travel_leg(c->in->travel, &c->in->dropoff, &c->r->busy_pickup[k],
						   c->r->busy[k].start, &leg);
		return leg.minutes;
	}
	if (to == NEW_PICKUP && from < NEW_DROPOFF && from % 2 == 0)
	{
		int			k = from / 2;

		booking_travel_leg(c->in->travel, &c->r->busy_dropoff[k], &c->in->pickup,
						   c->r->busy[k].end, &leg);
		return leg.minutes;
	}
	return 0;
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
		slots_error(err, NULL);
	err = slots_init(rq, palloc(size), size, &sv, &fault);
	if (err != SLOTS_OK)
		slots_error(err, &fault);
	return sv;
}

/*
 * Set up a call: the org (NULL: the acting org), range, service, the new
 * booking's pickup (also its dropoff; the caller may set another one),
 * resources (NULL: all) with their busy items but the booking "exclude"
 * (NULL: none), travel.
 */
static SolveInput *
solve_input(const pg_uuid_t *org, const pg_uuid_t *resource, const pg_uuid_t *service,
			RangeType *during, Datum pickup, bool pickup_null, const pg_uuid_t *exclude)
{
	SolveInput *in = palloc0(sizeof(SolveInput));
	TypeCacheEntry *typcache;
	RangeBound	lower;
	RangeBound	upper;
	bool		empty;

	if (org)
		in->org = *org;
	else
		require_acting_org(&in->org);
	if (exclude)
	{
		in->exclude = *exclude;
		in->has_exclude = true;
	}
	typcache = lookup_type_cache(RangeTypeGetOid(during), TYPECACHE_RANGE_INFO);
	range_deserialize(typcache, during, &lower, &upper, &empty);
	if (empty)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the requested range is empty")));
	if (lower.infinite || upper.infinite ||
		TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(lower.val)) ||
		TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(upper.val)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the requested range must have finite bounds")));
	if (!pickup_null)
	{
		booking_point_from_geography(pickup, "pickup", &in->pickup);
		in->has_pickup = true;
		in->dropoff = in->pickup;
		in->has_dropoff = true;
	}
	in->cxt = CurrentMemoryContext;
	SPI_connect();
	MemoryContextSwitchTo(in->cxt);
	load_org_and_service(in, service,
						 DatumGetTimestampTz(lower.val) + (lower.inclusive ? 0 : 1),
						 DatumGetTimestampTz(upper.val) + (upper.inclusive ? 1 : 0));
	load_resources(in, resource);
	SPI_finish();
	booking_travel_org_load(&in->org, CurrentMemoryContext, &in->travel);
	return in;
}

/*
 * Whether booking.eligibility_problems() finds anything against the client
 * booking the service with the resource on the given local date.
 */
static bool
booking_ineligible_on(SolveInput *in, ResourceInput *r, const pg_uuid_t *client, DateADT date)
{
	Oid			argtypes[5] = {UUIDOID, UUIDOID, UUIDOID, UUIDOID, DATEOID};
	Datum		values[5];
	bool		found;

	values[0] = uuid_datum(&in->org);
	values[1] = uuid_datum(&r->id);
	values[2] = uuid_datum(&in->service);
	values[3] = uuid_datum(client);
	values[4] = DateADTGetDatum(date);
	SPI_connect();
	if (SPI_execute_with_args("SELECT 1 FROM booking.eligibility_problems($1, $2, $3, $4, $5)",
							  5, argtypes, values, NULL, true, 1) != SPI_OK_SELECT)
		elog(ERROR, "eligibility check failed");
	found = SPI_processed > 0;
	SPI_finish();
	return found;
}

static bool
booking_ineligible(SolveInput *in, ResourceInput *r, const pg_uuid_t *client)
{
	return booking_ineligible_on(in, r, client, local_date(in->tz, in->range_start));
}

/*
 * booking.available_slots(resource_id, service_id, during, pickup, student_id)
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
	in = solve_input(NULL, PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1), PG_GETARG_RANGE_P(2),
					 PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3), PG_ARGISNULL(3), NULL);
	InitMaterializedSRF(fcinfo, 0);
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
			slots_error(err, NULL);
		for (k = 0; k < n; k++)
		{
			Datum		values[2];
			bool		nulls[2] = {false, false};

			values[0] = TimestampTzGetDatum(out[k].start);
			values[1] = TimestampTzGetDatum(out[k].end);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
	}
	return (Datum) 0;
}

/* A time as the org's local wall-clock time, "YYYY-MM-DD HH:MI". */
static char *
local_str(SolveInput *in, int64 t)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;

	if (timestamp2tm(t, &tzoff, &tm, &fsec, NULL, in->tz) != 0)
		return pstrdup("?");
	return psprintf("%04d-%02d-%02d %02d:%02d", tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

static int64
minutes_of(int64 us)
{
	return us >= 0 ? (us + USECS_PER_MIN - 1) / USECS_PER_MIN : -((-us) / USECS_PER_MIN);
}

/* The lowercase sentence for one reason. */
static char *
explain_text(SolveInput *in, ResourceInput *r, const SlotsExplanation *x)
{
	const char *what = "";

	if (x->item >= 0)
		what = r->busy_is_session[x->item] ? "session" : "booking";
	switch (x->reason)
	{
		case SLOTS_REASON_OUTSIDE_RANGE:
			return psprintf("outside the requested range %s to %s", local_str(in, x->from), local_str(in, x->to));
		case SLOTS_REASON_NOTICE:
			return psprintf("inside the notice period: the earliest start is %s", local_str(in, x->need));
		case SLOTS_REASON_HORIZON:
			return psprintf("beyond the booking horizon: the latest start is %s", local_str(in, x->need));
		case SLOTS_REASON_DAY_OFF:
			return pstrdup("day off (availability exception)");
		case SLOTS_REASON_OUTSIDE_HOURS:
			return pstrdup("outside working hours");
		case SLOTS_REASON_EXCEPTION_HOURS:
			return pstrdup("outside the hours of the availability exception of that day");
		case SLOTS_REASON_IN_BREAK:
			return psprintf("in a break from %s to %s", local_str(in, x->from), local_str(in, x->to));
		case SLOTS_REASON_OFF_GRID:
			return psprintf("not on the %lld-minute grid of start times", (long long) minutes_of(x->need));
		case SLOTS_REASON_DAILY_MAXIMUM:
			return psprintf("daily maximum of %lld bookings reached (%lld that day)", (long long) x->need, (long long) x->have);
		case SLOTS_REASON_OVERLAP:
			return psprintf("conflicts with %s from %s to %s", what, local_str(in, x->from), local_str(in, x->to));
		case SLOTS_REASON_BUFFER_FROM:
			return psprintf("needs %lld minutes of buffer after the %s before it but has %lld",
							(long long) minutes_of(x->need), what, (long long) (x->have / USECS_PER_MIN));
		case SLOTS_REASON_BUFFER_TO:
			return psprintf("needs %lld minutes of buffer before the %s after it but has %lld",
							(long long) minutes_of(x->need), what, (long long) (x->have / USECS_PER_MIN));
		case SLOTS_REASON_TRAVEL_FROM:
			return psprintf("needs %lld minutes of travel from the %s before it (%d minutes driving) but has %lld",
							(long long) minutes_of(x->need), what, x->travel_minutes, (long long) (x->have / USECS_PER_MIN));
		case SLOTS_REASON_TRAVEL_TO:
			return psprintf("needs %lld minutes of travel to the %s after it (%d minutes driving) but has %lld",
							(long long) minutes_of(x->need), what, x->travel_minutes, (long long) (x->have / USECS_PER_MIN));
	}
	return pstrdup(slots_reason_name(x->reason));
}

/* A start one slot can be asked about: finite, with days around it. */
static void
check_start(TimestampTz start)
{
	if (TIMESTAMP_NOT_FINITE(start) || start < SLOTS_TIME_MIN + 3 * USECS_PER_DAY ||
		start > END_TIMESTAMP - 4 * USECS_PER_DAY)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("starts_at must be a finite timestamp")));
}

/*
 * The range one start is judged in: every rule but the range applies, so
 * a range of days around it.
 */
static RangeType *
range_around(TimestampTz start)
{
	RangeBound	lower = {.val = TimestampTzGetDatum(start - 2 * USECS_PER_DAY),.infinite = false,.inclusive = true,.lower = true};
	RangeBound	upper = {.val = TimestampTzGetDatum(start + 3 * USECS_PER_DAY),.infinite = false,.inclusive = false,.lower = false};

	return make_range(lookup_type_cache(TSTZRANGEOID, TYPECACHE_RANGE_INFO), &lower, &upper, false);
}

/*
 * booking.explain_slot(resource_id, service_id, starts_at, pickup, student_id)
 *		-> SETOF (reason, detail, booking_id, rule_id)
 */
PG_FUNCTION_INFO_V1(booking_explain_slot);
Datum
booking_explain_slot(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	SolveInput *in;
	ResourceInput *r;
	SlotsRequest rq;
	TravelContext tc;
	SlotsSolver *sv;
	SlotsExplanation out[64];
	size_t		n;
	bool		truncated;
	size_t		k;
	TimestampTz start;
	SlotsError	err;
	bool		may_name;
	int			rows = 0;
	Datum		values[4];
	bool		nulls[4];

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("resource_id, service_id and starts_at must not be null")));
	start = PG_GETARG_TIMESTAMPTZ(2);
	check_start(start);
	in = solve_input(NULL, PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(1), range_around(start),
					 PG_ARGISNULL(3) ? (Datum) 0 : PG_GETARG_DATUM(3), PG_ARGISNULL(3), NULL);
	r = &in->resources[0];
	sv = solver_for(in, r, &rq, &tc);
	err = slots_explain(sv, start, out, lengthof(out), &n, &truncated);
	if (err != SLOTS_OK)
		slots_error(err, NULL);

	/* conflicting bookings are named to staff and the resource's own user */
	{
		Oid			argtypes[1] = {UUIDOID};
		Datum		args[1] = {uuid_datum(&r->id)};

		SPI_connect();
		if (SPI_execute_with_args("SELECT booking.acting_is_staff()"
								  " OR $1 OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids())",
								  1, argtypes, args, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "role check failed");
		may_name = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &nulls[0]));
		SPI_finish();
	}

	InitMaterializedSRF(fcinfo, 0);
	for (k = 0; k < n; k++)
	{
		memset(nulls, 0, sizeof(nulls));
		values[0] = CStringGetTextDatum(slots_reason_name(out[k].reason));
		values[1] = CStringGetTextDatum(explain_text(in, r, &out[k]));
		if (out[k].item >= 0 && may_name)
			values[2] = uuid_datum(&r->busy_ids[out[k].item]);
		else
			nulls[2] = true;
		nulls[3] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		rows++;
	}
	if (!PG_ARGISNULL(4))
	{
		Oid			argtypes[5] = {UUIDOID, UUIDOID, UUIDOID, UUIDOID, DATEOID};
		Datum		args[5];
		uint64		i;

		args[0] = uuid_datum(&in->org);
		args[1] = uuid_datum(&r->id);
		args[2] = uuid_datum(&in->service);
		args[3] = PG_GETARG_DATUM(4);
		args[4] = DateADTGetDatum(local_date(in->tz, start));
		SPI_connect();
		if (SPI_execute_with_args("SELECT rule_id, reason FROM booking.eligibility_problems($1, $2, $3, $4, $5)",
								  5, argtypes, args, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "eligibility check failed");
		for (i = 0; i < SPI_processed; i++)
		{
			bool		isnull;
			Datum		rule = SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);

			memset(nulls, 0, sizeof(nulls));
			values[0] = CStringGetTextDatum("ineligible");
			values[1] = CStringGetTextDatum(SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2));
			nulls[2] = true;
			values[3] = rule;
			nulls[3] = isnull;
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
			rows++;
		}
		SPI_finish();
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
		PG_RETURN_NULL();
	in = solve_input(NULL, PG_GETARG_UUID_P(0), NULL, PG_GETARG_RANGE_P(1), (Datum) 0, true, NULL);
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
			slots_error(err, NULL);
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
 * booking.find_slots(service_id, during, pickup, student_id)
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
	in = solve_input(NULL, NULL, PG_GETARG_UUID_P(0), PG_GETARG_RANGE_P(1),
					 PG_ARGISNULL(2) ? (Datum) 0 : PG_GETARG_DATUM(2), PG_ARGISNULL(2), NULL);
	found = palloc(sizeof(FoundSlot) * maxfound);
	for (i = 0; i < in->nresources; i++)
	{
		ResourceInput *r = &in->resources[i];
		SlotsRequest rq;
		TravelContext tc;
		SlotsSolver *sv;
		int			d;

		CHECK_FOR_INTERRUPTS();
		if (!PG_ARGISNULL(3) && booking_ineligible(in, r, PG_GETARG_UUID_P(3)))
			continue;
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
				slots_error(err, NULL);
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
				f->idle = (int) ((out[k].idle_before + out[k].idle_after) / USECS_PER_MIN);
				f->score = f->idle + f->travel_before + f->travel_after;
			}
		}
	}
	qsort(found, nfound, sizeof(FoundSlot), cmp_found);
	InitMaterializedSRF(fcinfo, 0);
	for (i = 0; i < nfound; i++)
	{
		Datum		values[7];
		bool		nulls[7] = {false, false, false, false, false, false, false};

		values[0] = uuid_datum(&in->resources[found[i].resource].id);
		values[1] = TimestampTzGetDatum(found[i].start);
		values[2] = TimestampTzGetDatum(found[i].end);
		values[3] = Int32GetDatum(found[i].travel_before);
		values[4] = Int32GetDatum(found[i].travel_after);
		values[5] = Int32GetDatum(found[i].idle);
		values[6] = Int32GetDatum(found[i].score);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * The write path's check of one appointment (see sql/parts/45_write_path.sql).
 *
 * Every reason of slots_explain() has its SQLSTATE (the README lists them);
 * those an owner or admin may override are the working hours (and the grid
 * of start times), the notice, the horizon and the daily maximum, never an
 * overlap, a buffer or a travel gap.
 */
static int
reason_sqlstate(SlotsReason reason)
{
	switch (reason)
	{
		case SLOTS_REASON_OUTSIDE_HOURS:
		case SLOTS_REASON_OUTSIDE_RANGE:
			return MAKE_SQLSTATE('2', '3', 'K', '0', '6');
		case SLOTS_REASON_DAY_OFF:
			return MAKE_SQLSTATE('2', '3', 'K', '0', '7');
		case SLOTS_REASON_EXCEPTION_HOURS:
			return MAKE_SQLSTATE('2', '3', 'K', '0', '8');
		case SLOTS_REASON_IN_BREAK:
			return MAKE_SQLSTATE('2', '3', 'K', '0', '9');
		case SLOTS_REASON_OFF_GRID:
			return MAKE_SQLSTATE('2', '3', 'K', '1', '0');
		case SLOTS_REASON_NOTICE:
			return MAKE_SQLSTATE('2', '3', 'K', '1', '1');
		case SLOTS_REASON_HORIZON:
			return MAKE_SQLSTATE('2', '3', 'K', '1', '2');
		case SLOTS_REASON_DAILY_MAXIMUM:
			return MAKE_SQLSTATE('2', '3', 'K', '1', '3');
		case SLOTS_REASON_OVERLAP:
		case SLOTS_REASON_BUFFER_FROM:
		case SLOTS_REASON_BUFFER_TO:
			return ERRCODE_EXCLUSION_VIOLATION;
		case SLOTS_REASON_TRAVEL_FROM:
			return MAKE_SQLSTATE('2', '3', 'K', '1', '4');
		case SLOTS_REASON_TRAVEL_TO:
			return MAKE_SQLSTATE('2', '3', 'K', '1', '5');
	}
	return MAKE_SQLSTATE('2', '3', 'K', '0', '6');
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
 * the first refused reason's SQLSTATE with every refused reason as the
 * detail; with may_override, the overridable reasons are not refused but
 * returned (their names), for the caller to record.
 */
PG_FUNCTION_INFO_V1(booking_check_slot);
Datum
booking_check_slot(PG_FUNCTION_ARGS)
{
	SolveInput *in;
	ResourceInput *r;
	SlotsRequest rq;
	TravelContext tc;
	SlotsSolver *sv;
	SlotsExplanation out[64];
	size_t		n;
	bool		truncated;
	size_t		k;
	TimestampTz start;
	SlotsError	err;
	bool		may_override;
	StringInfoData refused;
	int			code = 0;
	ArrayBuildState *overridden;

	for (k = 0; k < 5; k++)
		if (PG_ARGISNULL(k))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("org_id, booking_id, resource_id, service_id and starts_at must not be null")));
	start = PG_GETARG_TIMESTAMPTZ(4);
	check_start(start);
	may_override = !PG_ARGISNULL(7) && PG_GETARG_BOOL(7);
	in = solve_input(PG_GETARG_UUID_P(0), PG_GETARG_UUID_P(2), PG_GETARG_UUID_P(3), range_around(start),
					 PG_ARGISNULL(5) ? (Datum) 0 : PG_GETARG_DATUM(5), PG_ARGISNULL(5),
					 PG_GETARG_UUID_P(1));
	if (!PG_ARGISNULL(6))
	{
		booking_point_from_geography(PG_GETARG_DATUM(6), "dropoff_point", &in->dropoff);
		in->has_dropoff = true;
	}
	r = &in->resources[0];
	sv = solver_for(in, r, &rq, &tc);
	err = slots_explain(sv, start, out, lengthof(out), &n, &truncated);
	if (err != SLOTS_OK)
		slots_error(err, NULL);

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
		if (code == 0)
			code = reason_sqlstate(out[k].reason);
		appendStringInfo(&refused, "%s%s", refused.len > 0 ? "; " : "", explain_text(in, r, &out[k]));
	}
	if (code != 0)
	{
		bool		overridable = true;

		for (k = 0; k < n; k++)
			overridable = overridable && reason_overridable(out[k].reason);
		ereport(ERROR,
				(errcode(code),
				 errmsg("resource %s cannot be booked at %s", uuid_str(&r->id), local_str(in, start)),
				 errdetail("%s%s.", refused.data, truncated ? "; and more" : ""),
				 overridable && !may_override
				 ? errhint("See booking.available_slots(); an owner or admin may book it anyway with override_reason set.")
				 : errhint("See booking.available_slots() and booking.explain_slot().")));
	}
	PG_RETURN_DATUM(makeArrayResult(overridden, CurrentMemoryContext));
}
