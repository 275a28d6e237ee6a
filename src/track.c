/*
 * src/track.c
 *		SQL glue of the GPS trip figures: booking.track_fold() folds a batch
 *		of fixes into a trip's state, booking.track_figures() reads the
 *		figures of a state.  The rules are in src/core/track.c.
 *
 * SQLSTATEs raised here (see the README):
 *	 22G01 a fix with a NULL, NaN or out-of-range time or coordinate
 *	 22G02 fixes not in strictly increasing time, or before the state's last
 *	 22G03 a tracking parameter out of range
 *	 22G04 a damaged state array
 *	 22G05 arrays of different lengths
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "booking.h"
#include "core/track.h"
#include "errcodes.h"

#define ERRCODE_TRACK_BAD_FIX		ERRCODE_22G01_TRACK_BAD_FIX
#define ERRCODE_TRACK_ORDER			ERRCODE_22G02_TRACK_ORDER
#define ERRCODE_TRACK_PARAMS		ERRCODE_22G03_TRACK_PARAMS
#define ERRCODE_TRACK_STATE			ERRCODE_22G04_TRACK_STATE
#define ERRCODE_TRACK_LENGTHS		ERRCODE_22G05_TRACK_LENGTHS

static int
track_sqlstate(TrackError err)
{
	switch (err)
	{
		case TRACK_ERR_ORDER:
			return ERRCODE_TRACK_ORDER;
		case TRACK_ERR_PARAMS:
			return ERRCODE_TRACK_PARAMS;
		case TRACK_ERR_STATE:
			return ERRCODE_TRACK_STATE;
		case TRACK_ERR_NULL_ARGUMENT:
			return ERRCODE_NULL_VALUE_NOT_ALLOWED;
		default:
			return ERRCODE_TRACK_BAD_FIX;
	}
}

/* parameters from arguments first..first+3, in km/h, m, s, m */
static void
track_params_from_args(FunctionCallInfo fcinfo, int first, TrackParams *p)
{
	int			i;

	track_params_default(p);
	for (i = first; i < first + 4; i++)
		if (PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_TRACK_PARAMS),
					 errmsg("tracking parameters must not be null")));
	p->max_speed_mps = PG_GETARG_FLOAT8(first) / 3.6;
	p->merge_min_m = PG_GETARG_FLOAT8(first + 1);
	p->max_gap_s = PG_GETARG_FLOAT8(first + 2);
	p->max_accuracy_m = PG_GETARG_FLOAT8(first + 3);
	if (track_params_validate(p) != TRACK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_TRACK_PARAMS),
				 errmsg("%s", track_error_message(TRACK_ERR_PARAMS)),
				 errdetail("Maximum speed must be in (0, 3600] km/h, merge radius in [0, 1000] m, "
						   "gap in (0, 86400] s and accuracy limit in (0, 100000] m.")));
}

static void
track_state_from_arg(FunctionCallInfo fcinfo, int arg, TrackState *s)
{
	ArrayType  *a;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	int			i;
	double		v[TRACK_STATE_LEN];

	track_init(s);
	if (PG_ARGISNULL(arg))
		return;
	a = PG_GETARG_ARRAYTYPE_P(arg);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR, (errcode(ERRCODE_TRACK_STATE), errmsg("%s", track_error_message(TRACK_ERR_STATE))));
	deconstruct_array(a, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elems, &nulls, &n);
	if (n != TRACK_STATE_LEN)
		ereport(ERROR,
				(errcode(ERRCODE_TRACK_STATE),
				 errmsg("%s", track_error_message(TRACK_ERR_STATE)),
				 errdetail("A state has %d values, not %d.", TRACK_STATE_LEN, n)));
	for (i = 0; i < n; i++)
	{
		if (nulls[i])
			ereport(ERROR, (errcode(ERRCODE_TRACK_STATE), errmsg("%s", track_error_message(TRACK_ERR_STATE))));
		v[i] = DatumGetFloat8(elems[i]);
	}
	if (track_state_load(s, v, TRACK_STATE_LEN) != TRACK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_TRACK_STATE),
				 errmsg("%s", track_error_message(TRACK_ERR_STATE)),
				 errhint("Recompute the trip's figures from its points.")));
}

/* a 1-D float8/timestamptz array argument, or NULL with *n = -1 */
static void
array_arg(FunctionCallInfo fcinfo, int arg, Oid type, Datum **elems, bool **nulls, int *n)
{
	ArrayType  *a;

	*elems = NULL;
	*nulls = NULL;
	*n = -1;
	if (PG_ARGISNULL(arg))
		return;
	a = PG_GETARG_ARRAYTYPE_P(arg);
	if (ARR_NDIM(a) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("fix arrays must be one-dimensional")));
	deconstruct_array(a, type, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, elems, nulls, n);
}

/* booking.track_fold(state, ts[], lat[], lng[], accuracy[], max_speed_kph, merge_min_m, max_gap_s, max_accuracy_m) */
PG_FUNCTION_INFO_V1(booking_track_fold);
Datum
booking_track_fold(PG_FUNCTION_ARGS)
{
	TrackState	s;
	TrackParams p;
	Datum	   *ts,
			   *lat,
			   *lng,
			   *acc;
	bool	   *tsn,
			   *latn,
			   *lngn,
			   *accn;
	int			nts,
				nlat,
				nlng,
				nacc;
	int			i;
	double		out[TRACK_STATE_LEN];
	Datum		outd[TRACK_STATE_LEN];

	track_params_from_args(fcinfo, 5, &p);
	track_state_from_arg(fcinfo, 0, &s);
	array_arg(fcinfo, 1, TIMESTAMPTZOID, &ts, &tsn, &nts);
	array_arg(fcinfo, 2, FLOAT8OID, &lat, &latn, &nlat);
	array_arg(fcinfo, 3, FLOAT8OID, &lng, &lngn, &nlng);
	array_arg(fcinfo, 4, FLOAT8OID, &acc, &accn, &nacc);
	if (nts < 0 || nlat < 0 || nlng < 0)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("times, latitudes and longitudes must not be null")));
	if (nlat != nts || nlng != nts || (nacc >= 0 && nacc != nts))
		ereport(ERROR,
				(errcode(ERRCODE_TRACK_LENGTHS),
				 errmsg("fix arrays differ in length"),
				 errdetail("%d times, %d latitudes, %d longitudes, %d accuracies.", nts, nlat, nlng, nacc)));

	for (i = 0; i < nts; i++)
	{
		TrackFix	f;
		TrackError	err;
		TimestampTz t;

		CHECK_FOR_INTERRUPTS();
		if (tsn[i] || latn[i] || lngn[i])
			ereport(ERROR,
					(errcode(ERRCODE_TRACK_BAD_FIX),
					 errmsg("a fix has a null time or coordinate"),
					 errdetail("The fix at position %d is at fault.", i + 1)));
		t = DatumGetTimestampTz(ts[i]);
		if (TIMESTAMP_NOT_FINITE(t))
			ereport(ERROR,
					(errcode(ERRCODE_TRACK_BAD_FIX),
					 errmsg("a fix has an infinite time"),
					 errdetail("The fix at position %d is at fault.", i + 1)));
		f.t = (double) t / 1e6;
		f.lat = DatumGetFloat8(lat[i]);
		f.lon = DatumGetFloat8(lng[i]);
		f.accuracy = (nacc < 0 || accn[i]) ? -1.0 : DatumGetFloat8(acc[i]);
		err = track_add(&s, &p, &f, NULL);
		if (err != TRACK_OK)
			ereport(ERROR,
					(errcode(track_sqlstate(err)),
					 errmsg("%s", track_error_message(err)),
					 errdetail("The fix at position %d is at fault.", i + 1)));
	}
	track_state_save(&s, out, TRACK_STATE_LEN);
	for (i = 0; i < TRACK_STATE_LEN; i++)
		outd[i] = Float8GetDatum(out[i]);
	PG_RETURN_ARRAYTYPE_P(construct_array(outd, TRACK_STATE_LEN, FLOAT8OID, sizeof(float8),
										  FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* booking.track_figures(state, max_speed_kph, merge_min_m, max_gap_s, max_accuracy_m) */
PG_FUNCTION_INFO_V1(booking_track_figures);
Datum
booking_track_figures(PG_FUNCTION_ARGS)
{
	TrackState	s;
	TrackParams p;
	TrackFigures f;
	TupleDesc	desc;
	Datum		values[10];
	bool		nulls[10] = {0};

	if (get_call_result_type(fcinfo, NULL, &desc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "track_figures must return a record");
	track_params_from_args(fcinfo, 1, &p);
	track_state_from_arg(fcinfo, 0, &s);
	track_figures(&s, &p, &f);
	values[0] = Float8GetDatum(f.distance_m);
	values[1] = Float8GetDatum(f.moving_distance_m);
	values[2] = Float8GetDatum(f.moving_s);
	values[3] = Float8GetDatum(f.stationary_s);
	values[4] = Float8GetDatum(f.max_speed_mps * 3.6);
	values[5] = Float8GetDatum(f.avg_moving_speed_mps * 3.6);
	values[6] = Int64GetDatum(f.accepted);
	values[7] = Int64GetDatum(f.dropped_speed + f.dropped_inaccurate);
	values[8] = Int64GetDatum(f.merged);
	values[9] = Int64GetDatum(f.segments);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(desc), values, nulls)));
}
