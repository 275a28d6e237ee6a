/*
 * src/write_path.c
 *		SQL-callable glue of the booking write path: the padded interval
 *		of an appointment, which the exclusion constraint booking_no_overlap
 *		indexes.
 *
 * It is evaluated for every booking row written and every recheck of the
 * index, so it is in C: an SQL function with a SET clause is planned anew
 * in every statement that calls it.  The triggers of the write path are in
 * sql/parts/45_write_path.sql.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/int.h"
#include "fmgr.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "booking.h"

/* ts moved by the given minutes; infinite values stay as they are. */
static TimestampTz
shift_minutes(TimestampTz ts, int32 minutes)
{
	TimestampTz result;

	if (TIMESTAMP_NOT_FINITE(ts))
		return ts;
	if (pg_add_s64_overflow(ts, (int64) minutes * USECS_PER_MINUTE, &result) ||
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

	if (typcache == NULL)
	{
		typcache = lookup_type_cache(TSTZRANGEOID, TYPECACHE_RANGE_INFO);
		fcinfo->flinfo->fn_extra = typcache;
	}

	lower.val = TimestampTzGetDatum(shift_minutes(PG_GETARG_TIMESTAMPTZ(0), -PG_GETARG_INT32(2)));
	lower.infinite = false;
	lower.inclusive = true;
	lower.lower = true;
	upper.val = TimestampTzGetDatum(shift_minutes(PG_GETARG_TIMESTAMPTZ(1), PG_GETARG_INT32(3)));
	upper.infinite = false;
	upper.inclusive = false;
	upper.lower = false;

	PG_RETURN_RANGE_P(make_range(typcache, &lower, &upper, false));
}
