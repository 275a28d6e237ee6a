/*
 * src/timezone.c
 *		Time: validation of IANA zone names, the local date of an instant,
 *		an instant as local wall-clock time with its zone for messages, and
 *		the instants of a tstzrange.
 *
 * PostgreSQL accepts more than IANA names as a time zone (POSIX strings such
 * as "UTC+5", abbreviations, numeric offsets); an org's zone must be a real
 * zone of the tz database, so that its wall-clock rules, daylight-saving
 * changes included, are known.  The set of names is the one PostgreSQL itself
 * lists in pg_timezone_names, read once per backend.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "pgtime.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/memutils.h"
#include "utils/typcache.h"

#include "booking.h"

static char **zone_names = NULL;
static int	zone_count = 0;

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

static void
load_zone_names(void)
{
	pg_tzenum  *dir;
	pg_tz	   *tz;
	int			cap = 1024;
	MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
	char	  **names = palloc(sizeof(char *) * cap);
	int			n = 0;

	dir = pg_tzenumerate_start();
	while ((tz = pg_tzenumerate_next(dir)) != NULL)
	{
		CHECK_FOR_INTERRUPTS();
		if (!pg_tz_acceptable(tz))
			continue;
		if (n == cap)
		{
			cap *= 2;
			names = repalloc(names, sizeof(char *) * cap);
		}
		names[n++] = pstrdup(pg_get_timezone_name(tz));
	}
	pg_tzenumerate_end(dir);
	qsort(names, n, sizeof(char *), cmp_name);
	MemoryContextSwitchTo(old);
	zone_names = names;
	zone_count = n;
}

/*
 * booking.check_time_zone(name text) returns boolean
 *
 * True when name is a zone of the tz database, spelled as PostgreSQL lists it
 * in pg_timezone_names; raises an error otherwise, so that a CHECK constraint
 * or domain using it reports the offending name.
 */
PG_FUNCTION_INFO_V1(booking_check_time_zone);
Datum
booking_check_time_zone(PG_FUNCTION_ARGS)
{
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(0));

	if (zone_names == NULL)
		load_zone_names();
	if (strlen(name) > 0 && strlen(name) < TZ_STRLEN_MAX &&
		bsearch(&name, zone_names, zone_count, sizeof(char *), cmp_name) != NULL)
		PG_RETURN_BOOL(true);

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("time zone \"%.100s\" is not a zone of the IANA tz database", name),
			 errdetail("An org's working hours are local wall-clock times, so its zone must have known rules; offsets, abbreviations and POSIX strings do not."),
			 errhint("Use a name listed in pg_timezone_names, such as \"Europe/Berlin\" or \"UTC\".")));
	PG_RETURN_BOOL(false);		/* not reached */
}

/* The local date (in tz) of instant t. */
DateADT
booking_local_date(pg_tz *tz, TimestampTz t)
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

/*
 * Instant t as the wall-clock time of zone tz with the zone's abbreviation
 * (or its numeric offset where the tz database has no abbreviation), e.g.
 * "2026-12-09 16:15 CET" or "2026-10-25 02:45 +03": how every message of
 * the engine prints a time of an org (issue 19).
 */
char *
booking_local_time_str(pg_tz *tz, TimestampTz t)
{
	struct pg_tm tm;
	fsec_t		fsec;
	int			tzoff;
	const char *tzn = NULL;

	if (TIMESTAMP_NOT_FINITE(t))
		return pstrdup(TIMESTAMP_IS_NOBEGIN(t) ? "-infinity" : "infinity");
	if (tz == NULL || timestamp2tm(t, &tzoff, &tm, &fsec, &tzn, tz) != 0)
		return pstrdup("?");
	if (tzn != NULL && tzn[0] != '\0')
		return psprintf("%04d-%02d-%02d %02d:%02d %s", tm.tm_year, tm.tm_mon, tm.tm_mday,
						tm.tm_hour, tm.tm_min, tzn);
	return psprintf("%04d-%02d-%02d %02d:%02d %+03d:%02d", tm.tm_year, tm.tm_mon, tm.tm_mday,
					tm.tm_hour, tm.tm_min, -tzoff / 3600, abs(tzoff / 60) % 60);
}

/*
 * booking.local_time_text(at timestamptz, zone text) returns text
 *
 * booking_local_time_str() in SQL, for the messages of PL/pgSQL raisers.
 */
PG_FUNCTION_INFO_V1(booking_local_time_text);
Datum
booking_local_time_text(PG_FUNCTION_ARGS)
{
	TimestampTz t = PG_GETARG_TIMESTAMPTZ(0);
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));
	pg_tz	   *tz = strlen(name) < TZ_STRLEN_MAX ? pg_tzset(name) : NULL;

	if (tz == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("time zone \"%.100s\" is not recognized", name)));
	PG_RETURN_TEXT_P(cstring_to_text(booking_local_time_str(tz, t)));
}

/*
 * The first and last instant (at microsecond resolution) of a tstzrange;
 * false for an empty range.  An infinite bound is an error: what names the
 * range in it ("the requested range").
 */
bool
booking_range_instants(RangeType *r, const char *what, TimestampTz *first, TimestampTz *last)
{
	TypeCacheEntry *typcache = lookup_type_cache(RangeTypeGetOid(r), TYPECACHE_RANGE_INFO);
	RangeBound	lower;
	RangeBound	upper;
	bool		empty;

	range_deserialize(typcache, r, &lower, &upper, &empty);
	if (empty)
		return false;
	if (lower.infinite || upper.infinite ||
		TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(lower.val)) ||
		TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(upper.val)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must have finite bounds", what)));
	*first = DatumGetTimestampTz(lower.val) + (lower.inclusive ? 0 : 1);
	*last = DatumGetTimestampTz(upper.val) - (upper.inclusive ? 0 : 1);
	return true;
}
