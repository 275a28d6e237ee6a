/*
 * src/solver_input.c
 *		The availability solver's input: its saved queries, and one
 *		problem read from the tables into a SolveInput (src/solver.h), for
 *		one resource or for every resource of the org at once, with one
 *		query per kind of input.
 *
 * What keeps a call cheap (bench/solver.sh measures it): the queries are
 * planned once per backend and kept (the plan cache replans them after
 * DDL); their rows are decoded straight from the executor's slot by a
 * DestReceiver instead of being copied into SPI tuple tables; the busy
 * items are read through the partial GiST index booking_no_overlap, so no
 * SQL function is evaluated per row and the scan does not grow with the
 * history; geography values are decoded once per distinct value and only
 * when travel can be asked; the days' windows share one exactly sized
 * array.
 *
 * How the tables become the core's request (documented in the README):
 *	 - local days: every date from the local date of the range's start minus
 *	   one to the local date of its end, each with its map from local to
 *	   absolute time by PostgreSQL's own time zone code; a date with an
 *	   availability exception uses it (day off, or its hours without
 *	   breaks), any other date the active working_hours rows of its ISO
 *	   weekday whose effective range contains it;
 *	 - the daily maximum is the least non-zero max_bookings_per_day of those
 *	   rows, the travel buffer the greatest travel_buffer_minutes;
 *	 - busy items: bookings outside sessions that occupy the resource now
 *	   (booking.occupies_now: an occupying status, not a lapsed hold) with
 *	   the buffers stored on them, and scheduled sessions of the resource
 *	   with their service's buffers; pickup and dropoff points (a booking
 *	   without a dropoff ends where it was picked up; a session's location
 *	   point for both);
 *	 - travel (asked by the core through src/solver.c): from an item's
 *	   dropoff to the new pickup departing at the item's end, and from the
 *	   new dropoff (the pickup, unless the write path's check gives the
 *	   booking's own) to the next item's pickup timed at that item's start,
 *	   by booking.travel_time's rules;
 *	 - notice and horizon: now() + min_notice_minutes, now() +
 *	   booking_horizon_days * 24 hours, both inclusive; "now" is the
 *	   transaction's start unless a superuser set booking.solver_now (for
 *	   tests of dates the clock has passed).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "booking.h"
#include "core/slots.h"
#include "solver.h"

/* A weekly working_hours row as read, kept until the days are built. */
typedef struct WeeklyRow
{
	int			resource;		/* index into resources */
	int			weekday;		/* ISO, 1 = Monday */
	int64		from;
	int64		to;
	int64		break_from;
	int64		break_to;
	bool		has_max;
	int			max_bookings;
	int			travel_buffer;	/* minutes */
	DateADT		effective_from;
	DateADT		effective_to;	/* exclusive */
} WeeklyRow;

/* An availability exception as read. */
typedef struct ExceptionRow
{
	int			resource;
	int			day;			/* index into the days */
	bool		available;
	int			nwindows;
	SlotsWindow *windows;
} ExceptionRow;

/* A decoded geography value, by its bytes (see point_of). */
typedef struct PointMemo
{
	uint32		hash;
	int			len;			/* -1: unused slot */
	char	   *bytes;
	TravelPoint point;
} PointMemo;

/*
 * The texts of the saved queries (SolverQuery, in solver.h), whose columns
 * the row functions below decode by position.
 */
#define RESOURCE_CONDITION(alias) \
	" AND " alias ".resource_id OPERATOR(pg_catalog.=) $2"

#define EXCEPTIONS_SQL(cond) \
	"SELECT e.resource_id, e.on_date, e.available," \
	"       ARRAY(SELECT COALESCE(pg_catalog.lower(x), '00:00'::pg_catalog.time) FROM pg_catalog.unnest(e.hours) x)," \
	"       ARRAY(SELECT COALESCE(pg_catalog.upper(x), '24:00'::pg_catalog.time) FROM pg_catalog.unnest(e.hours) x)," \
	"       ARRAY(SELECT pg_catalog.lower_inc(x) OR pg_catalog.lower_inf(x) FROM pg_catalog.unnest(e.hours) x)," \
	"       ARRAY(SELECT pg_catalog.upper_inc(x) FROM pg_catalog.unnest(e.hours) x)" \
	"  FROM booking.availability_exception e" \
	" WHERE e.org_id OPERATOR(pg_catalog.=) $1" cond \
	"   AND e.on_date BETWEEN $3 AND $4"

#define WEEKLY_SQL(cond) \
	"SELECT w.resource_id, w.weekday, pg_catalog.lower(w.hours), pg_catalog.upper(w.hours)," \
	"       pg_catalog.lower(w.break), pg_catalog.upper(w.break)," \
	"       w.max_bookings_per_day, w.travel_buffer_minutes," \
	"       COALESCE(pg_catalog.lower(w.effective), '-infinity'::pg_catalog.date)," \
	"       COALESCE(pg_catalog.upper(w.effective), 'infinity'::pg_catalog.date)" \
	"  FROM booking.working_hours w" \
	" WHERE w.org_id OPERATOR(pg_catalog.=) $1" cond \
	"   AND w.active" \
	"   AND w.effective OPERATOR(pg_catalog.&&) pg_catalog.daterange($3, $4, '[]')"

/*
 * The busy items.  booking.occupies_now() is the rule for bookings; it is
 * an SQL function with a SET clause, so the planner cannot inline it and
 * calling it costs microseconds a row.  It is written here as the
 * equivalent
 *	 status_occupies(status) AND (hold_expires_at IS NULL OR occupies_now(...))
 * (occupies_now is status_occupies and a hold that has not lapsed), which
 * calls it for holds only; the first part and the padded range are the
 * predicate and the key of the partial GiST index booking_no_overlap, so
 * the scan reads only the items near the range (whatever the history) and
 * evaluates no function for them.  The padded range contains [starts_at,
 * ends_at) (buffers are not negative), so the overlap condition on it
 * drops nothing the exact one keeps.
 */
#define BUSY_SQL(bcond, scond) \
	"SELECT b.resource_id, b.id, b.starts_at, b.ends_at, b.buffer_before_minutes," \
	"       b.buffer_after_minutes, b.pickup_point," \
	"       COALESCE(b.dropoff_point, b.pickup_point), false" \
	"  FROM booking.booking b" \
	" WHERE b.org_id OPERATOR(pg_catalog.=) $1" bcond \
	"   AND b.session_id IS NULL AND booking.status_occupies(b.status)" \
	"   AND booking.padded_range(b.starts_at, b.ends_at, b.buffer_before_minutes, b.buffer_after_minutes)" \
	"       OPERATOR(pg_catalog.&&) pg_catalog.tstzrange($3, $4)" \
	"   AND b.starts_at OPERATOR(pg_catalog.<) $4 AND b.ends_at OPERATOR(pg_catalog.>) $3" \
	"   AND (b.hold_expires_at IS NULL OR booking.occupies_now(b.status, b.hold_expires_at))" \
	" UNION ALL " \
	"SELECT x.resource_id, x.id, x.starts_at, x.ends_at, s.buffer_before_minutes," \
	"       s.buffer_after_minutes, l.point, l.point, true" \
	"  FROM booking.session x" \
	"  JOIN booking.service s ON s.org_id OPERATOR(pg_catalog.=) x.org_id" \
	"   AND s.id OPERATOR(pg_catalog.=) x.service_id" \
	"  LEFT JOIN booking.location l ON l.org_id OPERATOR(pg_catalog.=) x.org_id" \
	"   AND l.id OPERATOR(pg_catalog.=) x.location_id" \
	" WHERE x.org_id OPERATOR(pg_catalog.=) $1" scond \
	"   AND x.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status" \
	"   AND x.starts_at OPERATOR(pg_catalog.<) $4 AND x.ends_at OPERATOR(pg_catalog.>) $3"

/*
 * The org, with the service and resource when they are given.  Without
 * one, its join is left out rather than made with a NULL parameter: the
 * planner folds "r.id = NULL" into a constant, which takes the join's
 * org_id condition with it, and Citus then cannot route the query to the
 * org's shards ("complex joins are only supported ...").
 */
#define ORG_SERVICE_COLUMNS \
	" s.duration_minutes, s.buffer_before_minutes, s.buffer_after_minutes, s.id IS NOT NULL, s.active,"
#define ORG_NO_SERVICE_COLUMNS \
	" NULL::pg_catalog.int4, NULL::pg_catalog.int4, NULL::pg_catalog.int4, false, NULL::pg_catalog.bool,"
#define ORG_RESOURCE_COLUMNS " r.id IS NOT NULL, r.active, "
#define ORG_NO_RESOURCE_COLUMNS " false, NULL::pg_catalog.bool, "
#define ORG_SERVICE_JOIN \
	"  LEFT JOIN booking.service s ON s.org_id OPERATOR(pg_catalog.=) o.id" \
	"   AND s.id OPERATOR(pg_catalog.=) $2"
#define ORG_RESOURCE_JOIN \
	"  LEFT JOIN booking.resource r ON r.org_id OPERATOR(pg_catalog.=) o.id" \
	"   AND r.id OPERATOR(pg_catalog.=) $3"
#define ORG_SQL(scols, sjoin, rcols, rjoin) \
	"SELECT o.time_zone::pg_catalog.text, o.slot_step_minutes, o.min_notice_minutes," \
	"       o.booking_horizon_days," scols rcols \
	" o.service_area_center IS NOT NULL OR o.service_area_polygon IS NOT NULL," \
	BOOKING_TRAVEL_ORG_COLUMNS \
	"  FROM booking.org o" BOOKING_TRAVEL_ORG_JOIN \
	sjoin rjoin \
	" WHERE o.id OPERATOR(pg_catalog.=) $1"

/*
 * The busy items of every resource that start in [$3, $4): the later
 * parts of a lazy read (booking_solver_load_busy), on the indexes by
 * (org_id, starts_at); the conditions are those of BUSY_SQL.
 */
#define BUSY_STARTING_SQL \
	"SELECT b.resource_id, b.id, b.starts_at, b.ends_at, b.buffer_before_minutes," \
	"       b.buffer_after_minutes, b.pickup_point," \
	"       COALESCE(b.dropoff_point, b.pickup_point), false" \
	"  FROM booking.booking b" \
	" WHERE b.org_id OPERATOR(pg_catalog.=) $1" \
	"   AND b.session_id IS NULL AND booking.status_occupies(b.status)" \
	"   AND b.starts_at OPERATOR(pg_catalog.>=) $3 AND b.starts_at OPERATOR(pg_catalog.<) $4" \
	"   AND (b.hold_expires_at IS NULL OR booking.occupies_now(b.status, b.hold_expires_at))" \
	" UNION ALL " \
	"SELECT x.resource_id, x.id, x.starts_at, x.ends_at, s.buffer_before_minutes," \
	"       s.buffer_after_minutes, l.point, l.point, true" \
	"  FROM booking.session x" \
	"  JOIN booking.service s ON s.org_id OPERATOR(pg_catalog.=) x.org_id" \
	"   AND s.id OPERATOR(pg_catalog.=) x.service_id" \
	"  LEFT JOIN booking.location l ON l.org_id OPERATOR(pg_catalog.=) x.org_id" \
	"   AND l.id OPERATOR(pg_catalog.=) x.location_id" \
	" WHERE x.org_id OPERATOR(pg_catalog.=) $1" \
	"   AND x.status OPERATOR(pg_catalog.=) 'scheduled'::booking.session_status" \
	"   AND x.starts_at OPERATOR(pg_catalog.>=) $3 AND x.starts_at OPERATOR(pg_catalog.<) $4"

typedef struct QueryDef
{
	const char *sql;
	int			nargs;
	Oid			argtypes[5];
} QueryDef;

static const QueryDef query_defs[QUERY_COUNT] = {
	[QUERY_ORG] = {ORG_SQL(ORG_SERVICE_COLUMNS, ORG_SERVICE_JOIN, ORG_RESOURCE_COLUMNS, ORG_RESOURCE_JOIN), 3, {UUIDOID, UUIDOID, UUIDOID}},
	[QUERY_ORG_NO_RESOURCE] = {ORG_SQL(ORG_SERVICE_COLUMNS, ORG_SERVICE_JOIN, ORG_NO_RESOURCE_COLUMNS, ""), 3, {UUIDOID, UUIDOID, UUIDOID}},
	[QUERY_ORG_NO_SERVICE] = {ORG_SQL(ORG_NO_SERVICE_COLUMNS, "", ORG_RESOURCE_COLUMNS, ORG_RESOURCE_JOIN), 3, {UUIDOID, UUIDOID, UUIDOID}},
	[QUERY_ORG_NEITHER] = {ORG_SQL(ORG_NO_SERVICE_COLUMNS, "", ORG_NO_RESOURCE_COLUMNS, ""), 3, {UUIDOID, UUIDOID, UUIDOID}},
	[QUERY_RESOURCES] = {
		"SELECT r.id FROM booking.resource r"
		" WHERE r.org_id OPERATOR(pg_catalog.=) $1 AND r.active"
		" ORDER BY r.id",
		1, {UUIDOID}
	},
	[QUERY_EXCEPTIONS_ONE] = {EXCEPTIONS_SQL(RESOURCE_CONDITION("e")), 4, {UUIDOID, UUIDOID, DATEOID, DATEOID}},
	[QUERY_EXCEPTIONS_ALL] = {EXCEPTIONS_SQL(""), 4, {UUIDOID, UUIDOID, DATEOID, DATEOID}},
	[QUERY_WEEKLY_ONE] = {WEEKLY_SQL(RESOURCE_CONDITION("w")), 4, {UUIDOID, UUIDOID, DATEOID, DATEOID}},
	[QUERY_WEEKLY_ALL] = {WEEKLY_SQL(""), 4, {UUIDOID, UUIDOID, DATEOID, DATEOID}},
	[QUERY_BUSY_ONE] = {
		BUSY_SQL(RESOURCE_CONDITION("b"), RESOURCE_CONDITION("x")),
		4, {UUIDOID, UUIDOID, TIMESTAMPTZOID, TIMESTAMPTZOID}
	},
	[QUERY_BUSY_ALL] = {BUSY_SQL("", ""), 4, {UUIDOID, UUIDOID, TIMESTAMPTZOID, TIMESTAMPTZOID}},
	[QUERY_BUSY_STARTING] = {BUSY_STARTING_SQL, 4, {UUIDOID, UUIDOID, TIMESTAMPTZOID, TIMESTAMPTZOID}},
	[QUERY_INELIGIBLE] = {
		"SELECT 1 FROM booking.eligibility_problems($1, $2, $3, $4, $5) LIMIT 1",
		5, {UUIDOID, UUIDOID, UUIDOID, UUIDOID, DATEOID}
	},
	[QUERY_PROBLEMS] = {
		"SELECT rule_id, reason FROM booking.eligibility_problems($1, $2, $3, $4, $5)",
		5, {UUIDOID, UUIDOID, UUIDOID, UUIDOID, DATEOID}
	},
	[QUERY_MAY_NAME] = {
		"SELECT booking.acting_is_staff()"
		" OR $1 OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids())",
		1, {UUIDOID}
	},
	[QUERY_AREA] = {
		"SELECT booking.service_area_refusal($1, booking.lat_lng(lat => $2, lng => $3),"
		"                                    booking.lat_lng(lat => $4, lng => $5))",
		5, {UUIDOID, FLOAT8OID, FLOAT8OID, FLOAT8OID, FLOAT8OID}
	},
	[QUERY_CLIENT] = {
		"SELECT booking.caller_bypasses_rls() OR booking.acting_is_staff()"
		"       OR $2 OPERATOR(pg_catalog.=) ANY (booking.my_client_ids())"
		"       OR CASE WHEN $3 IS NULL"
		"               THEN pg_catalog.cardinality(booking.my_resource_ids()) OPERATOR(pg_catalog.>) 0"
		"               ELSE $3 OPERATOR(pg_catalog.=) ANY (booking.my_resource_ids()) END,"
		"       EXISTS (SELECT 1 FROM booking.client c"
		"                WHERE c.org_id OPERATOR(pg_catalog.=) $1 AND c.id OPERATOR(pg_catalog.=) $2)",
		3, {UUIDOID, UUIDOID, UUIDOID}
	},
};

static SPIPlanPtr query_plans[QUERY_COUNT];

/* booking.solver_now: empty, or the instant notice and horizon count from */
static char *solver_now_guc = NULL;

void
booking_solver_init(void)
{
	DefineCustomStringVariable("booking.solver_now",
							   "The instant the availability solver counts notice and horizon from.",
							   "Empty (the default): the transaction's start, now(). For tests of dates the clock has passed; superuser only.",
							   &solver_now_guc,
							   "",
							   PGC_SUSET,
							   GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE,
							   NULL, NULL, NULL);
}

/* now() for notice and horizon (see booking.solver_now) */
static TimestampTz
solver_now(void)
{
	TimestampTz t;

	if (solver_now_guc == NULL || solver_now_guc[0] == '\0')
		return GetCurrentTransactionStartTimestamp();
	t = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(solver_now_guc),
												ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	if (TIMESTAMP_NOT_FINITE(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("booking.solver_now must be a finite timestamp")));
	return t;
}

/* The saved plan of a query (SPI must be connected). */
static SPIPlanPtr
query_plan(SolverQuery q)
{
	if (query_plans[q] == NULL)
	{
		Oid			argtypes[lengthof(query_defs[q].argtypes)];
		SPIPlanPtr	plan;

		memcpy(argtypes, query_defs[q].argtypes, sizeof(argtypes));
		plan = SPI_prepare(query_defs[q].sql, query_defs[q].nargs, argtypes);

		if (plan == NULL)
			elog(ERROR, "could not prepare a solver query: %s", SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "could not keep a solver query");
		query_plans[q] = plan;
	}
	return query_plans[q];
}

/*
 * A receiver that hands each row's columns to a SolverRowFunc straight from
 * the executor's slot: no copy into an SPI tuple table, no per-column
 * lookup.  The values are valid during the call only.
 */
typedef struct RowReceiver
{
	DestReceiver pub;
	SolverRowFunc func;
	void	   *arg;
	MemoryContext cxt;			/* where func runs */
	uint64		rows;
} RowReceiver;

static bool
row_receive(TupleTableSlot *slot, DestReceiver *self)
{
	RowReceiver *r = (RowReceiver *) self;
	MemoryContext old;

	slot_getallattrs(slot);
	old = MemoryContextSwitchTo(r->cxt);
	r->func(r->arg, slot->tts_values, slot->tts_isnull);
	MemoryContextSwitchTo(old);
	r->rows++;
	return true;
}

static void
row_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
row_shutdown(DestReceiver *self)
{
}

static void
row_destroy(DestReceiver *self)
{
}

/*
 * Run a saved query with parameters values (nulls as SPI's: 'n' for NULL,
 * may be NULL) and pass each row to func, which runs in the current memory
 * context (not SPI's); returns in that context with the number of rows.
 * SPI must be connected.
 */
uint64
booking_solver_query(SolverQuery q, const Datum *values, const char *nulls,
					 SolverRowFunc func, void *arg)
{
	const QueryDef *def = &query_defs[q];
	MemoryContext cxt = CurrentMemoryContext;
	SPIPlanPtr	plan = query_plan(q);
	ParamListInfo params;
	SPIExecuteOptions options;
	RowReceiver receiver;
	int			ret;
	int			i;

	MemoryContextSwitchTo(cxt);
	params = makeParamList(def->nargs);
	for (i = 0; i < def->nargs; i++)
	{
		params->params[i].value = values[i];
		params->params[i].isnull = nulls != NULL && nulls[i] == 'n';
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].ptype = def->argtypes[i];
	}
	memset(&receiver, 0, sizeof(receiver));
	receiver.pub.receiveSlot = row_receive;
	receiver.pub.rStartup = row_startup;
	receiver.pub.rShutdown = row_shutdown;
	receiver.pub.rDestroy = row_destroy;
	/* any destination but DestNone and DestSPI: SPI reports SPI_OK_SELECT */
	receiver.pub.mydest = DestTuplestore;
	receiver.func = func;
	receiver.arg = arg;
	receiver.cxt = cxt;
	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = true;
	options.dest = &receiver.pub;
	ret = SPI_execute_plan_extended(plan, &options);
	/* SPI returns in its own procedure context, which SPI_finish() frees */
	MemoryContextSwitchTo(cxt);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "solver input query failed: %s", SPI_result_code_string(ret));
	pfree(params);
	return receiver.rows;
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

/* The UTC offset (microseconds east) in effect at instant t in zone tz. */
static int64
instant_offset(int64 t, pg_tz *tz)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;

	if (timestamp2tm(t, &tzoff, &tm, &fsec, NULL, tz) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return -(int64) tzoff * USECS_PER_SEC;
}

/*
 * The first instant of local date "date": (date + '00:00') AT TIME ZONE tz,
 * or earlier when local midnight happens twice (the first pass, at the
 * offset before the change), so that every instant belongs to the day of
 * its local date.
 */
static int64
date_start(pg_tz *tz, DateADT date)
{
	int64		midnight = (int64) date * USECS_PER_DAY;
	int64		t = midnight - local_offset(midnight, tz);
	int			i;

	/* while the instant before is already on the date, midnight came earlier */
	for (i = 0; i < 4; i++)
	{
		int64		off = instant_offset(t - 1, tz);

		if (t - 1 + off < midnight)
			break;
		t = midnight - off;
	}
	return t;
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
day_map(pg_tz *tz, DateADT date, SlotsSegment *seg, int *nseg, int64 *start, int64 *end)
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
	*start = date_start(tz, date);
	*end = date_start(tz, date + 1);
}

/* The org query's row. */
typedef struct OrgRow
{
	SolveInput *in;
	bool		found;
	bool		service_found;
	bool		service_active;
	char	   *zone;
	int			grid;
	int			min_notice;
	int			horizon;
	int			duration;
	int			buffer_before;
	int			buffer_after;
	pg_tz	   *travel_tz;
} OrgRow;

static void
org_row(void *arg, Datum *values, bool *isnull)
{
	OrgRow	   *o = arg;

	o->found = true;
	o->zone = TextDatumGetCString(values[0]);
	o->grid = DatumGetInt32(values[1]);
	o->min_notice = DatumGetInt32(values[2]);
	o->horizon = DatumGetInt32(values[3]);
	o->service_found = DatumGetBool(values[7]);
	o->service_active = !isnull[8] && DatumGetBool(values[8]);
	if (o->service_found)
	{
		o->duration = DatumGetInt32(values[4]);
		o->buffer_before = DatumGetInt32(values[5]);
		o->buffer_after = DatumGetInt32(values[6]);
	}
	o->in->resource_exists = DatumGetBool(values[9]);
	o->in->resource_active = !isnull[10] && DatumGetBool(values[10]);
	o->in->has_service_area = DatumGetBool(values[11]);
	o->travel_tz = pg_tzset(o->zone);
	if (o->travel_tz != NULL)
		booking_travel_org_from_columns(&o->in->org, o->travel_tz, &values[12], &isnull[12],
										CurrentMemoryContext, &o->in->travel);
}

/*
 * Read the org's settings (travel settings included), the service and
 * whether the resource asked for exists (checked by load_resources); check
 * the range; build the day maps.
 */
static void
load_org_and_service(SolveInput *in, const pg_uuid_t *service, const pg_uuid_t *resource,
					 TimestampTz range_start, TimestampTz range_end)
{
	Datum		values[3];
	char		nulls[3] = {' ', service ? ' ' : 'n', resource ? ' ' : 'n'};
	OrgRow		o;
	int64		now = solver_now();
	DateADT		last_date;
	int			i;

	values[0] = booking_uuid_datum(&in->org);
	values[1] = service ? booking_uuid_datum(service) : (Datum) 0;
	values[2] = resource ? booking_uuid_datum(resource) : (Datum) 0;
	memset(&o, 0, sizeof(o));
	o.in = in;
	booking_solver_query(service ? (resource ? QUERY_ORG : QUERY_ORG_NO_RESOURCE)
						 : (resource ? QUERY_ORG_NO_SERVICE : QUERY_ORG_NEITHER),
						 values, nulls, org_row, &o);
	if (!o.found)
		elog(ERROR, "acting org not found");
	if (service && !o.service_found)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("service %s does not exist in the acting org", booking_uuid_str(service))));
	if (service && !o.service_active)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("service %s is not active", booking_uuid_str(service))));
	in->tz = o.travel_tz;
	if (in->tz == NULL)
		elog(ERROR, "time zone \"%s\" of the org is unknown", o.zone);
	in->grid = o.grid;
	in->earliest = now + o.min_notice * USECS_PER_MINUTE;
	in->latest = now + (int64) o.horizon * USECS_PER_DAY;
	if (service)
	{
		in->service = *service;
		in->duration = o.duration * USECS_PER_MINUTE;
		in->buffer_before = o.buffer_before * USECS_PER_MINUTE;
		in->buffer_after = o.buffer_after * USECS_PER_MINUTE;
	}
	else
		in->duration = USECS_PER_MINUTE;	/* free_time: any service */

	in->range_start = range_start;
	in->range_end = range_end;
	if (range_end <= range_start)
		booking_solver_error(SLOTS_ERR_RANGE_EMPTY, NULL);
	/* (range_end - range_start overflows for ranges spanning most of the timestamp domain) */
	if (range_start < range_end - (int64) SLOTS_MAX_RANGE_DAYS * USECS_PER_DAY)
		booking_solver_error(SLOTS_ERR_RANGE_TOO_LONG, NULL);
	in->first_date = booking_local_date(in->tz, range_start) - 1;
	last_date = booking_local_date(in->tz, range_end);
	in->ndays = last_date - in->first_date + 1;
	in->segments = palloc(sizeof(SlotsSegment) * SLOTS_MAX_SEGMENTS * in->ndays);
	in->nsegments = palloc(sizeof(int) * in->ndays);
	in->day_start = palloc(sizeof(int64) * in->ndays);
	in->day_end = palloc(sizeof(int64) * in->ndays);
	for (i = 0; i < in->ndays; i++)
		day_map(in->tz, in->first_date + i, &in->segments[i * SLOTS_MAX_SEGMENTS],
				&in->nsegments[i], &in->day_start[i], &in->day_end[i]);
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

/* The resource of a row: the only one, or found by id. */
static ResourceInput *
row_resource(SolveInput *in, Datum id)
{
	if (in->nresources == 1)
		return memcmp(&in->resources[0].id, DatumGetUUIDP(id), sizeof(pg_uuid_t)) == 0 ? &in->resources[0] : NULL;
	return find_resource(in, DatumGetUUIDP(id));
}

/*
 * The rows read grow arrays: doubled when full (from 16), the new room
 * zeroed.  A limit keeps every array far below the allocator's 1 GB and
 * turns an absurd amount of data into an error with a SQLSTATE.
 */
#define MAX_ROWS_PER_ARRAY (1 << 22)

static int
grown(int max)
{
	if (max >= MAX_ROWS_PER_ARRAY)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("more than %d rows of one kind for one availability query", MAX_ROWS_PER_ARRAY),
				 errhint("Ask for fewer resources or a shorter range.")));
	return max == 0 ? 16 : 2 * max;
}

/* p (NULL, or room for old elements of elem bytes) with room for max. */
static void *
resized(void *p, size_t elem, int old, int max)
{
	if (p == NULL)
		return palloc0(elem * max);
	p = repalloc(p, elem * max);
	memset((char *) p + elem * old, 0, elem * (max - old));
	return p;
}

/* Room for one more element at array[count]. */
#define ROOM_FOR_ONE(array, count, max) \
	do { \
		if ((count) == (max)) \
		{ \
			int			new_max_ = grown(max); \
			(array) = resized((array), sizeof(*(array)), (max), new_max_); \
			(max) = new_max_; \
		} \
	} while (0)

static void
resource_row(void *arg, Datum *values, bool *isnull)
{
	SolveInput *in = arg;

	ROOM_FOR_ONE(in->resources, in->nresources, in->maxresources);
	in->resources[in->nresources++].id = *DatumGetUUIDP(values[0]);
}

static void
exception_row(void *arg, Datum *values, bool *isnull)
{
	SolveInput *in = arg;
	ResourceInput *r = row_resource(in, values[0]);
	ExceptionRow *x;

	if (r == NULL)
		return;
	ROOM_FOR_ONE(in->exceptions, in->nexceptions, in->maxexceptions);
	x = &in->exceptions[in->nexceptions++];
	x->resource = r - in->resources;
	x->day = DatumGetDateADT(values[1]) - in->first_date;
	x->available = DatumGetBool(values[2]);
	x->nwindows = 0;
	x->windows = NULL;
	if (x->available)
	{
		ArrayType  *lo = DatumGetArrayTypeP(values[3]);
		ArrayType  *hi = DatumGetArrayTypeP(values[4]);
		ArrayType  *lo_inc = DatumGetArrayTypeP(values[5]);
		ArrayType  *hi_inc = DatumGetArrayTypeP(values[6]);
		int			n = ArrayGetNItems(ARR_NDIM(lo), ARR_DIMS(lo));
		int			k;

		/*
		 * A window is half-open, [from, to), in microseconds: an exclusive
		 * lower bound starts a microsecond later, an inclusive upper bound
		 * ends a microsecond later (never after 24:00).  A range that holds
		 * no such microsecond, such as (09:00,09:00:00.000001), adds nothing.
		 */
		x->windows = palloc(sizeof(SlotsWindow) * Max(n, 1));
		for (k = 0; k < n; k++)
		{
			int64		from = ((TimeADT *) ARR_DATA_PTR(lo))[k];
			int64		to = ((TimeADT *) ARR_DATA_PTR(hi))[k];

			if (!((bool *) ARR_DATA_PTR(lo_inc))[k])
				from++;
			if (((bool *) ARR_DATA_PTR(hi_inc))[k])
				to = Min(to + 1, USECS_PER_DAY);
			if (from >= to)
				continue;
			x->windows[x->nwindows].from = from;
			x->windows[x->nwindows].to = to;
			x->windows[x->nwindows].break_from = 0;
			x->windows[x->nwindows].break_to = 0;
			x->nwindows++;
		}
	}
}

static void
weekly_row(void *arg, Datum *values, bool *isnull)
{
	SolveInput *in = arg;
	ResourceInput *r = row_resource(in, values[0]);
	WeeklyRow  *w;

	if (r == NULL)
		return;
	ROOM_FOR_ONE(in->weekly, in->nweekly, in->maxweekly);
	w = &in->weekly[in->nweekly++];
	w->resource = r - in->resources;
	w->weekday = DatumGetInt16(values[1]);
	w->from = DatumGetTimeADT(values[2]);
	w->to = DatumGetTimeADT(values[3]);
	if (isnull[4])
	{
		w->break_from = 0;
		w->break_to = 0;
	}
	else
	{
		w->break_from = DatumGetTimeADT(values[4]);
		w->break_to = DatumGetTimeADT(values[5]);
	}
	w->has_max = !isnull[6];
	w->max_bookings = w->has_max ? DatumGetInt32(values[6]) : 0;
	w->travel_buffer = DatumGetInt32(values[7]);
	w->effective_from = DatumGetDateADT(values[8]);
	w->effective_to = DatumGetDateADT(values[9]);
}

static int
cmp_weekly(const void *a, const void *b)
{
	const WeeklyRow *x = a;
	const WeeklyRow *y = b;

	return x->resource - y->resource;
}

static void
too_many_windows(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
			 errmsg("more than %d working windows on one day", SLOTS_MAX_WINDOWS)));
}

/* Whether a weekly row applies to local date "date". */
static inline bool
weekly_applies(const WeeklyRow *w, DateADT date)
{
	/* ISO weekday: 2000-01-01 (date 0) was a Saturday (6) */
	return (((date % 7) + 7) % 7 + 5) % 7 + 1 == w->weekday &&
		date >= w->effective_from && date < w->effective_to;
}

/*
 * Build every resource's days from the rows read: a date with an exception
 * takes its hours (or none), any other date the weekly rows of its weekday
 * in effect; the daily maximum and the travel buffer come from the weekly
 * rows either way.  The windows of all days share one array.
 */
static void
build_days(SolveInput *in)
{
	int		   *first_weekly;	/* per resource: index into weekly, or -1 */
	ExceptionRow **exception;	/* per resource and day */
	SlotsWindow *pool;
	size_t		total = 0;
	int			i;
	int			d;

	qsort(in->weekly, in->nweekly, sizeof(WeeklyRow), cmp_weekly);
	first_weekly = palloc(sizeof(int) * in->nresources);
	for (i = 0; i < in->nresources; i++)
		first_weekly[i] = -1;
	for (i = in->nweekly - 1; i >= 0; i--)
		first_weekly[in->weekly[i].resource] = i;
	exception = palloc0(sizeof(ExceptionRow *) * in->nresources * in->ndays);
	for (i = 0; i < in->nexceptions; i++)
		exception[in->exceptions[i].resource * in->ndays + in->exceptions[i].day] = &in->exceptions[i];

	/* first the day's settings and how many windows it has */
	for (i = 0; i < in->nresources; i++)
	{
		ResourceInput *r = &in->resources[i];

		CHECK_FOR_INTERRUPTS();
		r->days = palloc0(sizeof(SlotsDay) * in->ndays);
		for (d = 0; d < in->ndays; d++)
		{
			SlotsDay   *day = &r->days[d];
			ExceptionRow *x = exception[i * in->ndays + d];
			DateADT		date = in->first_date + d;
			int			nwindows = 0;
			int			k;

			day->date = date;
			day->kind = SLOTS_DAY_REGULAR;
			day->start = in->day_start[d];
			day->end = in->day_end[d];
			day->segments = &in->segments[d * SLOTS_MAX_SEGMENTS];
			day->nsegments = in->nsegments[d];
			for (k = first_weekly[i]; k >= 0 && k < in->nweekly && in->weekly[k].resource == i; k++)
			{
				const WeeklyRow *w = &in->weekly[k];

				if (!weekly_applies(w, date))
					continue;
				if (w->has_max && w->max_bookings > 0 &&
					(day->max_bookings == 0 || w->max_bookings < day->max_bookings))
					day->max_bookings = w->max_bookings;
				if ((int64) w->travel_buffer * USECS_PER_MINUTE > day->travel_buffer)
					day->travel_buffer = (int64) w->travel_buffer * USECS_PER_MINUTE;
				nwindows++;
			}
			if (x != NULL)
			{
				day->kind = x->available ? SLOTS_DAY_EXCEPTION_HOURS : SLOTS_DAY_EXCEPTION_OFF;
				nwindows = x->nwindows;
			}
			if (nwindows > SLOTS_MAX_WINDOWS)
				too_many_windows();
			day->nwindows = nwindows;
			total += nwindows;
		}
	}

	/* then the windows */
	pool = palloc(sizeof(SlotsWindow) * Max(total, 1));
	for (i = 0; i < in->nresources; i++)
	{
		ResourceInput *r = &in->resources[i];

		for (d = 0; d < in->ndays; d++)
		{
			SlotsDay   *day = &r->days[d];
			ExceptionRow *x = exception[i * in->ndays + d];
			int			n = 0;
			int			k;

			day->windows = pool;
			if (x != NULL)
			{
				if (x->nwindows > 0)
					memcpy(pool, x->windows, sizeof(SlotsWindow) * x->nwindows);
				n = x->nwindows;
			}
			else
			{
				for (k = first_weekly[i]; k >= 0 && k < in->nweekly && in->weekly[k].resource == i; k++)
				{
					const WeeklyRow *w = &in->weekly[k];

					if (!weekly_applies(w, day->date))
						continue;
					pool[n].from = w->from;
					pool[n].to = w->to;
					pool[n].break_from = w->break_from;
					pool[n].break_to = w->break_to;
					n++;
				}
			}
			Assert(n == day->nwindows);
			pool += n;
		}
	}
	pfree(exception);
	pfree(first_weekly);
}

/*
 * The point of a geography value.  Values are decoded once per call and
 * remembered by their bytes: the items of a resource share few points.
 */
static void
point_of(SolveInput *in, Datum geog, const char *what, TravelPoint *out)
{
	struct varlena *v = (struct varlena *) DatumGetPointer(geog);
	const char *bytes;
	int			len;
	uint32		hash;
	uint32		mask;
	uint32		i;
	PointMemo  *p;

	if (VARATT_IS_EXTENDED(v) && !VARATT_IS_SHORT(v))
	{
		/* compressed or out of line: not worth remembering */
		booking_point_from_geography(geog, what, out);
		return;
	}
	bytes = VARDATA_ANY(v);
	len = VARSIZE_ANY_EXHDR(v);
	hash = hash_bytes((const unsigned char *) bytes, len);
	if (in->npoints >= in->maxpoints / 2)
	{
		PointMemo  *old = in->points;
		int			nold = in->maxpoints;

		in->maxpoints = nold == 0 ? 256 : nold * 2;
		in->points = palloc(sizeof(PointMemo) * in->maxpoints);
		for (i = 0; i < (uint32) in->maxpoints; i++)
			in->points[i].len = -1;
		mask = (uint32) in->maxpoints - 1;
		for (i = 0; i < (uint32) nold; i++)
			if (old[i].len >= 0)
			{
				uint32		j = old[i].hash & mask;

				while (in->points[j].len >= 0)
					j = (j + 1) & mask;
				in->points[j] = old[i];
			}
		if (old != NULL)
			pfree(old);
	}
	mask = (uint32) in->maxpoints - 1;
	for (i = hash & mask;; i = (i + 1) & mask)
	{
		p = &in->points[i];
		if (p->len < 0)
			break;
		if (p->hash == hash && p->len == len && memcmp(p->bytes, bytes, len) == 0)
		{
			*out = p->point;
			return;
		}
	}
	booking_point_from_geography(geog, what, out);
	p->hash = hash;
	p->len = len;
	p->bytes = palloc(Max(len, 1));
	memcpy(p->bytes, bytes, len);
	p->point = *out;
	in->npoints++;
}

static void
busy_row(void *arg, Datum *values, bool *isnull)
{
	SolveInput *in = arg;
	ResourceInput *r = row_resource(in, values[0]);
	SlotsBusy  *b;
	int			k;

	if (r == NULL)
		return;
	/* a later part of a lazy load: items starting before it were read already */
	if (in->busy_lazy && DatumGetTimestampTz(values[2]) < in->busy_skip_before)
		return;
	if (in->has_exclude && !DatumGetBool(values[8]) &&
		memcmp(DatumGetUUIDP(values[1]), &in->exclude, sizeof(pg_uuid_t)) == 0)
		return;
	if (r->nbusy == r->maxbusy)
	{
		int			max = grown(r->maxbusy);

		r->busy = resized(r->busy, sizeof(SlotsBusy), r->maxbusy, max);
		r->busy_ids = resized(r->busy_ids, sizeof(pg_uuid_t), r->maxbusy, max);
		r->busy_is_session = resized(r->busy_is_session, sizeof(bool), r->maxbusy, max);
		r->busy_pickup = resized(r->busy_pickup, sizeof(TravelPoint), r->maxbusy, max);
		r->busy_dropoff = resized(r->busy_dropoff, sizeof(TravelPoint), r->maxbusy, max);
		r->busy_has_pickup = resized(r->busy_has_pickup, sizeof(bool), r->maxbusy, max);
		r->busy_has_dropoff = resized(r->busy_has_dropoff, sizeof(bool), r->maxbusy, max);
		r->maxbusy = max;
	}
	k = r->nbusy++;
	b = &r->busy[k];
	b->id = k;
	r->busy_ids[k] = *DatumGetUUIDP(values[1]);
	b->start = DatumGetTimestampTz(values[2]);
	b->end = DatumGetTimestampTz(values[3]);
	b->buffer_before = DatumGetInt32(values[4]) * USECS_PER_MINUTE;
	b->buffer_after = DatumGetInt32(values[5]) * USECS_PER_MINUTE;
	r->busy_is_session[k] = DatumGetBool(values[8]);
	r->busy_has_pickup[k] = !isnull[6];
	r->busy_has_dropoff[k] = !isnull[7];
	/* the points matter only when travel can be asked (see travel_callback) */
	if (in->has_pickup || in->has_dropoff)
	{
		if (!isnull[6])
			point_of(in, values[6], "pickup_point", &r->busy_pickup[k]);
		if (!isnull[7])
			point_of(in, values[7], "dropoff_point", &r->busy_dropoff[k]);
	}
	/* location indexes: item k's dropoff is 2k, its pickup 2k + 1 */
	b->dropoff_location = r->busy_has_dropoff[k] ? 2 * k : -1;
	b->pickup_location = r->busy_has_pickup[k] ? 2 * k + 1 : -1;
}

/*
 * Load the resources (active, of the acting org; one given or all),
 * their days and their busy items.
 */
static void
load_resources(SolveInput *in, const pg_uuid_t *only)
{
	Datum		values[4];
	bool		one = only != NULL;

	if (one)
	{
		if (!in->resource_exists)
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("resource %s does not exist in the acting org", booking_uuid_str(only))));
		if (!in->resource_active)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("resource %s is not active", booking_uuid_str(only))));
		in->resources = palloc0(sizeof(ResourceInput));
		in->resources[0].id = *only;
		in->nresources = 1;
	}
	else
	{
		values[0] = booking_uuid_datum(&in->org);
		in->maxresources = 64;
		in->resources = palloc0(sizeof(ResourceInput) * in->maxresources);
		in->nresources = 0;
		booking_solver_query(QUERY_RESOURCES, values, NULL, resource_row, in);
	}
	if (in->nresources == 0)
		return;

	values[0] = booking_uuid_datum(&in->org);
	values[1] = one ? booking_uuid_datum(only) : (Datum) 0;
	values[2] = DateADTGetDatum(in->first_date);
	values[3] = DateADTGetDatum(in->first_date + in->ndays - 1);

	in->maxexceptions = 16;
	in->exceptions = palloc(sizeof(ExceptionRow) * in->maxexceptions);
	booking_solver_query(one ? QUERY_EXCEPTIONS_ONE : QUERY_EXCEPTIONS_ALL, values, one ? NULL : " n  ",
						 exception_row, in);
	in->maxweekly = one ? 16 : 16 * in->nresources;
	in->weekly = palloc(sizeof(WeeklyRow) * in->maxweekly);
	booking_solver_query(one ? QUERY_WEEKLY_ONE : QUERY_WEEKLY_ALL, values, one ? NULL : " n  ",
						 weekly_row, in);
	build_days(in);

	/* busy items around the range */
	{
		int64		lo = Min(in->range_start, (int64) in->first_date * USECS_PER_DAY - 2 * USECS_PER_DAY) - SLOTS_BUSY_MARGIN;
		int64		hi = Max(in->range_end, in->day_end[in->ndays - 1]) + SLOTS_BUSY_MARGIN;

		if (in->busy_lazy)
		{
			/* booking_solver_load_busy() reads them, part after part */
			in->busy_lo = in->busy_hi = lo;
			in->busy_max = hi;
			in->busy_skip_before = PG_INT64_MIN;
			return;
		}
		values[2] = TimestampTzGetDatum(lo);
		values[3] = TimestampTzGetDatum(hi);
		booking_solver_query(one ? QUERY_BUSY_ONE : QUERY_BUSY_ALL, values, one ? NULL : " n  ",
							 busy_row, in);
	}
}

static void
area_row(void *arg, Datum *values, bool *isnull)
{
	SolveInput *in = arg;

	if (!isnull[0])
		in->outside_area = MemoryContextStrdup(in->cxt, TextDatumGetCString(values[0]));
}

/*
 * Whether the pickup or dropoff lies outside the org's service area
 * (booking.service_area_refusal): in->outside_area names the point outside.
 */
static void
load_service_area(SolveInput *in)
{
	Datum		values[5];
	char		nulls[5] = {' ', ' ', ' ', ' ', ' '};

	values[0] = booking_uuid_datum(&in->org);
	values[1] = Float8GetDatum(in->pickup.lat);
	values[2] = Float8GetDatum(in->pickup.lon);
	values[3] = Float8GetDatum(in->dropoff.lat);
	values[4] = Float8GetDatum(in->dropoff.lon);
	if (!in->has_pickup)
		nulls[1] = nulls[2] = 'n';
	if (!in->has_dropoff)
		nulls[3] = nulls[4] = 'n';
	booking_solver_query(QUERY_AREA, values, nulls, area_row, in);
}

/*
 * The busy items of a lazy input (every resource) up to at least "through":
 * the items meeting [busy_lo, through) are read, in parts, each part
 * [busy_hi, new_hi) leaving out the items that start before busy_hi (the
 * parts before read them), so that the parts read exactly the items of one
 * query [busy_lo, new_hi), each once, and each part's items start after
 * every item of the parts before.  A part is at least a day long.  Returns
 * whether items were read.
 */
bool
booking_solver_load_busy(SolveInput *in, int64 through)
{
	Datum		values[4];
	int64		hi;
	MemoryContext old;

	Assert(in->busy_lazy);
	if (through <= in->busy_hi || in->busy_hi >= in->busy_max || in->nresources == 0)
		return false;
	hi = Min(Max(in->busy_hi + USECS_PER_DAY, through), in->busy_max);
	values[0] = booking_uuid_datum(&in->org);
	values[1] = (Datum) 0;
	values[2] = TimestampTzGetDatum(in->busy_hi);
	values[3] = TimestampTzGetDatum(hi);
	in->busy_skip_before = in->busy_hi == in->busy_lo ? PG_INT64_MIN : in->busy_hi;
	old = CurrentMemoryContext;
	SPI_connect();
	MemoryContextSwitchTo(in->cxt);
	booking_solver_query(in->busy_hi == in->busy_lo ? QUERY_BUSY_ALL : QUERY_BUSY_STARTING,
						 values, " n  ", busy_row, in);
	SPI_finish();
	MemoryContextSwitchTo(old);
	in->busy_hi = hi;
	return true;
}

/*
 * Set up a call: the org (NULL: the acting org), range, service, the new
 * booking's pickup and dropoff (a NULL dropoff: the pickup), resources
 * (NULL: all) with their busy items but the booking "exclude" (NULL: none).
 * Both points are known before the busy items are read, so that the items'
 * points are decoded whenever travel can be asked (a dropoff without a
 * pickup asks for travel to the next item).
 */
static SolveInput *
solver_input(const pg_uuid_t *org, const pg_uuid_t *resource, const pg_uuid_t *service,
			 RangeType *during, Datum pickup, bool pickup_null, Datum dropoff, bool dropoff_null,
			 const pg_uuid_t *exclude, bool lazy)
{
	SolveInput *in = palloc0(sizeof(SolveInput));
	TimestampTz first;
	TimestampTz last;

	in->busy_lazy = lazy && resource == NULL;

	if (org)
		in->org = *org;
	else
		require_acting_org(&in->org);
	if (exclude)
	{
		in->exclude = *exclude;
		in->has_exclude = true;
	}
	if (!booking_range_instants(during, "the requested range", &first, &last))
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("the requested range is empty")));
	if (!pickup_null)
	{
		booking_point_from_geography(pickup, "pickup", &in->pickup);
		in->has_pickup = true;
		in->dropoff = in->pickup;
		in->has_dropoff = true;
	}
	if (!dropoff_null)
	{
		booking_point_from_geography(dropoff, "dropoff_point", &in->dropoff);
		in->has_dropoff = true;
	}
	in->cxt = CurrentMemoryContext;
	SPI_connect();
	MemoryContextSwitchTo(in->cxt);
	load_org_and_service(in, service, resource,
						 first, last + 1);
	load_resources(in, resource);
	/*
	 * Only an org with a service area can refuse a point: the call of the
	 * SQL function is planned anew every time (a third of check_slot's time
	 * in bench/solver.sh), so it is left out for an org without one.
	 */
	if ((in->has_pickup || in->has_dropoff) && in->has_service_area)
		load_service_area(in);
	/* outside the org's service area: no resource has a slot (issue 19) */
	if (in->outside_area != NULL && resource == NULL)
		in->nresources = 0;
	SPI_finish();
	return in;
}

/* solver_input() for a booking whose dropoff is its pickup. */
SolveInput *
booking_solver_input(const pg_uuid_t *org, const pg_uuid_t *resource, const pg_uuid_t *service,
					 RangeType *during, Datum pickup, bool pickup_null, const pg_uuid_t *exclude)
{
	return solver_input(org, resource, service, during, pickup, pickup_null, (Datum) 0, true, exclude, false);
}

/*
 * booking_solver_input() of every resource whose busy items are read on
 * demand (booking_solver_load_busy) instead of at once (find_slots).
 */
SolveInput *
booking_solver_input_lazy(const pg_uuid_t *service, RangeType *during, Datum pickup, bool pickup_null)
{
	return solver_input(NULL, NULL, service, during, pickup, pickup_null, (Datum) 0, true, NULL, true);
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
 * Set up the judging of one start (explain_slot, check_slot): the input of
 * solver_input() over the days around it, with the booking's own dropoff
 * (dropoff_null: its pickup).
 */
SolveInput *
booking_solver_input_at(const pg_uuid_t *org, const pg_uuid_t *resource, const pg_uuid_t *service,
						TimestampTz start, Datum pickup, bool pickup_null, Datum dropoff,
						bool dropoff_null, const pg_uuid_t *exclude)
{
	check_start(start);
	return solver_input(org, resource, service, range_around(start), pickup, pickup_null,
						dropoff, dropoff_null, exclude, false);
}

typedef struct ClientRow
{
	bool		may;
	bool		found;
} ClientRow;

static void
client_row(void *arg, Datum *values, bool *isnull)
{
	ClientRow  *c = arg;

	c->may = !isnull[0] && DatumGetBool(values[0]);
	c->found = !isnull[1] && DatumGetBool(values[1]);
}

/*
 * The client_id a solver call is asked for: the caller's own (below staff:
 * one's client record, a guardian's students, or anyone for one's own
 * resource; in find_slots, for an instructor, eligibility then decides per
 * resource), else 42501 as booking.eligibility_problems() and the write
 * trigger raise it; and one of the acting org, else 23503 with the write
 * trigger's message for booking.book() of an unknown client.  A client of
 * another org is a missing one: the query reads the acting org only.
 */
void
booking_solver_check_client(SolveInput *in, const pg_uuid_t *client, const pg_uuid_t *resource)
{
	Datum		values[3];
	char		nulls[3] = {' ', ' ', resource ? ' ' : 'n'};
	ClientRow	c = {false, false};

	values[0] = booking_uuid_datum(&in->org);
	values[1] = booking_uuid_datum(client);
	values[2] = resource ? booking_uuid_datum(resource) : (Datum) 0;
	SPI_connect();
	booking_solver_query(QUERY_CLIENT, values, nulls, client_row, &c);
	SPI_finish();
	if (!c.may)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("client %s is not one of yours", booking_uuid_str(client)),
				 errdetail("Below staff, slots are asked for one's own client record (or, as a guardian, one's students) or for one's own resource."),
				 errhint("Pass a client_id of booking.my_client_ids().")));
	if (!c.found)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("unknown client %s", booking_uuid_str(client)),
				 errdetail("No client %s exists in org %s.", booking_uuid_str(client), booking_uuid_str(&in->org)),
				 errhint("Create the client in booking.client first, or pass the id of an existing one.")));
}
