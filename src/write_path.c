/*
 * src/write_path.c
 *		SQL-callable glue of the booking write path: the padded interval
 *		of an appointment, which the exclusion constraint booking_no_overlap
 *		indexes, and the local days whose write locks a writer takes.
 *
 * They are evaluated for every booking row written (and the padded
 * interval for every recheck of the index), so they are in C: an SQL
 * function with a SET clause is planned anew in every statement that calls
 * it, and a PL/pgSQL one runs a query for a set.  The triggers of the write
 * path are in sql/code/49_write_trigger.sql (and the files it names).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "booking.h"

/* ts moved by the given minutes; infinite values stay as they are. */
static TimestampTz
shift_minutes(TimestampTz ts, int64 minutes)
{
	TimestampTz result;

	if (TIMESTAMP_NOT_FINITE(ts))
		return ts;
	if (pg_mul_s64_overflow(minutes, USECS_PER_MINUTE, &result) ||
		pg_add_s64_overflow(ts, result, &result) ||
		!IS_VALID_TIMESTAMP(result))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	return result;
}

/*
 * booking.padded_range(starts_at, ends_at, buffer_before_minutes,
 *						buffer_after_minutes) returns tstzrange
 *
 * [starts_at - buffer_before, ends_at + buffer_after): the time an
 * appointment keeps its resource busy.  Minutes are fixed lengths, so the
 * result does not depend on the time zone (IMMUTABLE: the exclusion
 * constraint booking_no_overlap indexes it).
 */
PG_FUNCTION_INFO_V1(booking_padded_range);
Datum
booking_padded_range(PG_FUNCTION_ARGS)
{
	TypeCacheEntry *typcache = (TypeCacheEntry *) fcinfo->flinfo->fn_extra;
	RangeBound	lower;
	RangeBound	upper;

	if (PG_GETARG_INT32(2) < 0 || PG_GETARG_INT32(3) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("buffer minutes must not be negative"),
				 errdetail("buffer_before_minutes is %d, buffer_after_minutes is %d.",
						   PG_GETARG_INT32(2), PG_GETARG_INT32(3))));
	if (typcache == NULL)
	{
		typcache = lookup_type_cache(TSTZRANGEOID, TYPECACHE_RANGE_INFO);
		fcinfo->flinfo->fn_extra = typcache;
	}

	lower.val = TimestampTzGetDatum(shift_minutes(PG_GETARG_TIMESTAMPTZ(0), -(int64) PG_GETARG_INT32(2)));
	lower.infinite = false;
	lower.inclusive = true;
	lower.lower = true;
	upper.val = TimestampTzGetDatum(shift_minutes(PG_GETARG_TIMESTAMPTZ(1), (int64) PG_GETARG_INT32(3)));
	upper.infinite = false;
	upper.inclusive = false;
	upper.lower = false;

	PG_RETURN_RANGE_P(make_range(typcache, &lower, &upper, false));
}

/* No lock set is longer than this many days (an appointment or session
 * spans hours; a year and more is a mistake, not a booking). */
#define MAX_LOCK_DAYS 1000

/*
 * booking.local_days(zone text, during tstzrange, margin int4) returns date[]
 *
 * The local dates (in zone) that the instants of during fall on, and margin
 * days before and after, in ascending order: the days whose write locks
 * (booking.lock_scope) a writer of during takes.  The upper bound counts as
 * excluded, an empty range has no days.
 */
PG_FUNCTION_INFO_V1(booking_local_days);
Datum
booking_local_days(PG_FUNCTION_ARGS)
{
	char	   *zone = text_to_cstring(PG_GETARG_TEXT_PP(0));
	RangeType  *during = PG_GETARG_RANGE_P(1);
	int32		margin = PG_GETARG_INT32(2);
	TimestampTz from;
	TimestampTz to;
	pg_tz	   *tz;
	DateADT		first;
	DateADT		last;
	Datum	   *days;
	int			n;

	if (margin < 0 || margin > MAX_LOCK_DAYS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("margin must be between 0 and %d days", MAX_LOCK_DAYS)));
	tz = pg_tzset(zone);
	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%.100s\" not recognized", zone)));
	/* no instant at all, as in (t, t + 1 microsecond): no day */
	if (!booking_range_instants(during, "the interval to lock", &from, &to) || to < from)
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(DATEOID));
	first = booking_local_date(tz, from);
	last = booking_local_date(tz, to);
	if (last < first)
	{
		/* a clock set back across midnight: the later instant has the earlier date */
		DateADT		earlier = last;

		last = first;
		first = earlier;
	}
	if ((int64) last - first > MAX_LOCK_DAYS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("an interval to lock may span at most %d local days", MAX_LOCK_DAYS),
				 errdetail("It runs from %s to %s.",
						   DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(first))),
						   DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(last))))));

	first -= margin;
	last += margin;
	if (!IS_VALID_DATE(first) || !IS_VALID_DATE(last))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("date out of range")));
	days = palloc(sizeof(Datum) * (last - first + 1));
	for (n = 0; first + n <= last; n++)
		days[n] = DateADTGetDatum(first + n);
	PG_RETURN_ARRAYTYPE_P(construct_array(days, n, DATEOID, sizeof(DateADT), true, TYPALIGN_INT));
}
