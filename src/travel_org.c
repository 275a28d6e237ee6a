/*
 * src/travel_org.c
 *		An org's travel settings (booking.travel_setting, or the defaults
 *		where it has no row) and time zone, as the travel functions and the
 *		solver use them: read by a query of their own, or from columns of
 *		another query (BOOKING_TRAVEL_ORG_COLUMNS).
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "pgtime.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"

#include "booking.h"
#include "core/travel.h"
#include "travel_time.h"

/* The settings query, prepared once per backend. */
static SPIPlanPtr org_plan = NULL;

/* Peak windows of an org without settings: 07:00-09:00 and 16:00-18:00. */
static const TravelWindow default_peak_windows[] = {{7 * 60, 9 * 60}, {16 * 60, 18 * 60}};

/*
 * An org's travel settings from the BOOKING_TRAVEL_ORG_COLUMNS of a query
 * (defaults where the org has no booking.travel_setting row), with its time
 * zone tz, into a TravelOrg allocated in cxt.  The settings were checked on
 * the way in; they are checked again here so that a bad row cannot reach
 * the core.
 */
void
booking_travel_org_from_columns(const pg_uuid_t *org, pg_tz *tz, const Datum *values,
								const bool *isnull, MemoryContext cxt, TravelOrg **result)
{
	TravelOrg  *t;
	int			bad;

	t = MemoryContextAllocZero(cxt, sizeof(TravelOrg));
	memcpy(&t->org, org, sizeof(pg_uuid_t));
	t->tz = tz;
	/* the column defaults of booking.travel_setting; a test compares them */
	travel_params_default(&t->params);
	t->precision = BOOKING_TRAVEL_DEFAULT_PRECISION;
	t->nwindows = lengthof(default_peak_windows);
	t->windows = MemoryContextAlloc(cxt, sizeof(default_peak_windows));
	memcpy(t->windows, default_peak_windows, sizeof(default_peak_windows));

	if (!isnull[6] && DatumGetBool(values[6]))
	{
		ArrayType  *speeds;
		ArrayType  *lowers;
		ArrayType  *uppers;
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int			i;

		t->precision = DatumGetInt32(values[0]);
		t->params.detour_factor = DatumGetFloat8(values[1]);
		speeds = DatumGetArrayTypeP(values[2]);
		deconstruct_array(speeds, FLOAT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
		if (n != TRAVEL_HOURS)
			elog(ERROR, "speed profile of the org has %d values", n);
		for (i = 0; i < n; i++)
			t->params.speed_kmh[i] = nulls[i] ? NAN : DatumGetFloat8(elems[i]);
		t->params.min_minutes = DatumGetInt32(values[3]);

		lowers = DatumGetArrayTypeP(values[4]);
		uppers = DatumGetArrayTypeP(values[5]);
		n = ArrayGetNItems(ARR_NDIM(lowers), ARR_DIMS(lowers));
		if (n != ArrayGetNItems(ARR_NDIM(uppers), ARR_DIMS(uppers)))
			elog(ERROR, "peak windows of the org are malformed");
		t->nwindows = n;
		t->windows = MemoryContextAllocZero(cxt, sizeof(TravelWindow) * Max(n, 1));
		for (i = 0; i < n; i++)
		{
			t->windows[i].start_minute = ((int32 *) ARR_DATA_PTR(lowers))[i];
			t->windows[i].end_minute = ((int32 *) ARR_DATA_PTR(uppers))[i];
		}
	}
	if (travel_params_validate(&t->params, &bad) != TRAVEL_OK ||
		travel_windows_validate(t->windows, t->nwindows, &bad) != TRAVEL_OK ||
		t->precision < TRAVEL_GEOHASH_MIN_PRECISION || t->precision > TRAVEL_GEOHASH_MAX_PRECISION)
		elog(ERROR, "travel settings of the org are invalid");
	*result = t;
}

/*
 * Read an org's time zone and travel settings (see
 * booking_travel_org_from_columns).
 */
void
booking_travel_org_load(const pg_uuid_t *org, MemoryContext cxt, TravelOrg **result)
{
	Oid			argtypes[1] = {UUIDOID};
	Datum		values[1];
	Datum		columns[1 + BOOKING_TRAVEL_ORG_NCOLUMNS];
	bool		isnull[1 + BOOKING_TRAVEL_ORG_NCOLUMNS];
	int			ret;
	char	   *zone;
	pg_tz	   *tz;

	values[0] = UUIDPGetDatum(unconstify(pg_uuid_t *, org));
	SPI_connect();
	if (org_plan == NULL)
	{
		SPIPlanPtr	plan = SPI_prepare("SELECT o.time_zone::pg_catalog.text, " BOOKING_TRAVEL_ORG_COLUMNS
									   "  FROM booking.org o" BOOKING_TRAVEL_ORG_JOIN
									   " WHERE o.id OPERATOR(pg_catalog.=) $1",
									   1, argtypes);

		if (plan == NULL || SPI_keepplan(plan) != 0)
			elog(ERROR, "could not prepare the travel settings query");
		org_plan = plan;
	}
	ret = SPI_execute_plan(org_plan, values, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "travel settings lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_NO_DATA_FOUND),
				 errmsg("org %s does not exist",
						DatumGetCString(DirectFunctionCall1(uuid_out, UUIDPGetDatum(unconstify(pg_uuid_t *, org)))))));
	heap_deform_tuple(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, columns, isnull);
	zone = TextDatumGetCString(columns[0]);
	tz = pg_tzset(zone);
	if (tz == NULL)
		elog(ERROR, "time zone \"%s\" of the org is unknown", zone);
	booking_travel_org_from_columns(org, tz, columns + 1, isnull + 1, cxt, result);
	SPI_finish();
}
