/*
 * src/core/track.c
 *		GPS trip figures with noise handling, kept incrementally: see
 *		track.h for the pipeline and the formulas.
 */
#include "track.h"

#include <math.h>
#include <string.h>

#define DEG2RAD			(3.14159265358979323846 / 180.0)
#define TANGENT_MAX_M	20000.0
#define MAX_COUNT		9007199254740992.0	/* 2^53 */

static const char *const messages[TRACK_ERROR_COUNT] = {
	"no error",
	"a required argument is null",
	"a coordinate or time is not a finite number",
	"latitude is outside [-90, 90]",
	"longitude is outside [-180, 180]",
	"time is out of range",
	"fix is not after the last fix of the trip",
	"a tracking parameter is out of range",
	"the trip's figure state is damaged",
};

const char *
track_error_message(TrackError error)
{
	if ((int) error < 0 || (int) error >= TRACK_ERROR_COUNT)
		return "unknown track error";
	return messages[error];
}

void
track_params_default(TrackParams *params)
{
	if (params == NULL)
		return;
	params->max_speed_mps = TRACK_DEFAULT_MAX_SPEED_MPS;
	params->merge_min_m = TRACK_DEFAULT_MERGE_MIN_M;
	params->max_gap_s = TRACK_DEFAULT_MAX_GAP_S;
	params->max_accuracy_m = TRACK_DEFAULT_MAX_ACCURACY_M;
	params->moving_min_mps = TRACK_DEFAULT_MOVING_MIN_MPS;
	params->reset_after = TRACK_DEFAULT_RESET_AFTER;
}

static bool
in_range(double x, double lo, double hi)
{
	return isfinite(x) && x >= lo && x <= hi;
}

TrackError
track_params_validate(const TrackParams *p)
{
	if (p == NULL)
		return TRACK_ERR_NULL_ARGUMENT;
	if (!in_range(p->max_speed_mps, 0.0, 1000.0) || p->max_speed_mps == 0.0 ||
		!in_range(p->merge_min_m, 0.0, 1000.0) ||
		!in_range(p->max_gap_s, 0.0, 86400.0) || p->max_gap_s == 0.0 ||
		!in_range(p->max_accuracy_m, 0.0, 100000.0) || p->max_accuracy_m == 0.0 ||
		!in_range(p->moving_min_mps, 0.0, 100.0) ||
		p->reset_after < 1 || p->reset_after > 1000)
		return TRACK_ERR_PARAMS;
	return TRACK_OK;
}

static TrackError
check_point(double t, double lat, double lon)
{
	if (!isfinite(t) || !isfinite(lat) || !isfinite(lon))
		return TRACK_ERR_NOT_FINITE;
	if (lat < -90.0 || lat > 90.0)
		return TRACK_ERR_LATITUDE;
	if (lon < -180.0 || lon > 180.0)
		return TRACK_ERR_LONGITUDE;
	if (fabs(t) > TRACK_MAX_ABS_TIME)
		return TRACK_ERR_TIME;
	return TRACK_OK;
}

TrackError
track_fix_validate(const TrackFix *fix)
{
	if (fix == NULL)
		return TRACK_ERR_NULL_ARGUMENT;
	return check_point(fix->t, fix->lat, fix->lon);
}

/* a longitude difference in degrees, wrapped into [-180, 180] */
static double
wrap_lon(double d)
{
	while (d > 180.0)
		d -= 360.0;
	while (d < -180.0)
		d += 360.0;
	return d;
}

static double
leg(double lat1, double lon1, double lat2, double lon2)
{
	const double e2 = TRACK_WGS84_F * (2.0 - TRACK_WGS84_F);
	double		phi1 = lat1 * DEG2RAD;
	double		phi2 = lat2 * DEG2RAD;
	double		dphi = phi2 - phi1;
	double		dlam = wrap_lon(lon2 - lon1) * DEG2RAD;
	double		phim = (phi1 + phi2) / 2.0;
	double		s = sin(phim);
	double		w = 1.0 - e2 * s * s;
	double		m = TRACK_WGS84_A * (1.0 - e2) / (w * sqrt(w));
	double		n = TRACK_WGS84_A / sqrt(w);
	double		x = n * cos(phim) * dlam;
	double		y = m * dphi;
	double		d;
	double		a;

	if (lat1 == lat2 && wrap_lon(lon2 - lon1) == 0.0)
		return 0.0;
	d = sqrt(x * x + y * y);
	if (d < TANGENT_MAX_M)
		return d;
	a = sin(dphi / 2.0) * sin(dphi / 2.0) +
		cos(phi1) * cos(phi2) * sin(dlam / 2.0) * sin(dlam / 2.0);
	if (a > 1.0)
		a = 1.0;
	if (a < 0.0)
		a = 0.0;
	return 2.0 * sqrt(m * n) * asin(sqrt(a));
}

TrackError
track_distance(double lat1, double lon1, double lat2, double lon2,
			   double *distance_m)
{
	TrackError	err;

	if (distance_m == NULL)
		return TRACK_ERR_NULL_ARGUMENT;
	if ((err = check_point(0.0, lat1, lon1)) != TRACK_OK ||
		(err = check_point(0.0, lat2, lon2)) != TRACK_OK)
		return err;
	*distance_m = leg(lat1, lon1, lat2, lon2);
	return TRACK_OK;
}

void
track_init(TrackState *state)
{
	if (state == NULL)
		return;
	memset(state, 0, sizeof(*state));
	state->seen_t = NAN;
	state->first_t = NAN;
}

static double
accuracy_of(const TrackFix *f, const TrackParams *p)
{
	if (isnan(f->accuracy) || f->accuracy < 0.0)
		return p->merge_min_m;
	return f->accuracy;
}

static void
run_clear(TrackState *s)
{
	s->run = 0;
	memset(s->run_d, 0, sizeof(s->run_d));
	memset(s->run_dt, 0, sizeof(s->run_dt));
}

/* a moving leg extends the run the maximum speed is read over */
static void
run_push(TrackState *s, double d, double dt)
{
	double		sd = d;
	double		st = dt;
	int			k;
	int			held = s->run < TRACK_SPEED_LEGS - 1 ? s->run : TRACK_SPEED_LEGS - 1;

	for (k = 0; k < held; k++)
	{
		sd += s->run_d[k];
		st += s->run_dt[k];
	}
	if (held == TRACK_SPEED_LEGS - 1 && sd / st > s->max_speed_mps)
		s->max_speed_mps = sd / st;
	for (k = TRACK_SPEED_LEGS - 2; k > 0; k--)
	{
		s->run_d[k] = s->run_d[k - 1];
		s->run_dt[k] = s->run_dt[k - 1];
	}
	s->run_d[0] = d;
	s->run_dt[0] = dt;
	if (s->run < TRACK_SPEED_LEGS)
		s->run++;
}

/* a smoothed point reaches the merging stage */
static void
emit(TrackState *s, const TrackParams *p, double lat, double lon, double t,
	 double accuracy)
{
	double		d;
	double		r;
	double		dt;
	double		speed;

	if (!s->have_anchor)
	{
		s->have_anchor = true;
		s->anchor_lat = lat;
		s->anchor_lon = lon;
		s->anchor_t = t;
		s->point_t = t;
		return;
	}
	s->point_t = t;
	d = leg(s->anchor_lat, s->anchor_lon, lat, lon);
	r = accuracy > p->merge_min_m ? accuracy : p->merge_min_m;
	if (d <= r)
	{
		s->merged++;
		return;
	}
	dt = t - s->anchor_t;
	/*
	 * Fix times strictly increase, but smoothed times far from the epoch can
	 * meet in a double (or lie so close that the speed overflows): such a
	 * leg has no time to be driven in, so it counts as merged.
	 */
	if (!(dt > 0.0) || !isfinite(d / dt))
	{
		s->merged++;
		return;
	}
	s->legs++;
	s->distance_m += d;
	speed = d / dt;
	if (speed >= p->moving_min_mps)
	{
		s->moving_s += dt;
		s->moving_distance_m += d;
		if (speed > s->max_leg_speed_mps)
			s->max_leg_speed_mps = speed;
		run_push(s, d, dt);
	}
	else
	{
		s->stationary_s += dt;
		run_clear(s);
	}
	s->anchor_lat = lat;
	s->anchor_lon = lon;
	s->anchor_t = t;
}

static void
close_segment(TrackState *s, const TrackParams *p)
{
	if (s->nraw == 2)
		emit(s, p, s->raw[1].lat, s->raw[1].lon, s->raw[1].t,
			 accuracy_of(&s->raw[1], p));
	if (s->have_anchor)
		s->stationary_s += s->point_t - s->anchor_t;
	s->have_anchor = false;
	s->nraw = 0;
	run_clear(s);
}

static void
start_segment(TrackState *s, const TrackParams *p, const TrackFix *f)
{
	s->segments++;
	s->raw[0] = *f;
	memset(&s->raw[1], 0, sizeof(s->raw[1]));
	s->nraw = 1;
	emit(s, p, f->lat, f->lon, f->t, accuracy_of(f, p));
}

static void
push(TrackState *s, const TrackParams *p, const TrackFix *f)
{
	if (s->nraw == 1)
	{
		s->raw[1] = *f;
		s->nraw = 2;
		return;
	}
	{
		const TrackFix *a = &s->raw[0];
		const TrackFix *b = &s->raw[1];
		double		lat = (a->lat + b->lat + f->lat) / 3.0;
		double		lon = b->lon + (wrap_lon(a->lon - b->lon) + wrap_lon(f->lon - b->lon)) / 3.0;

		if (lat > 90.0)
			lat = 90.0;
		if (lat < -90.0)
			lat = -90.0;
		lon = wrap_lon(lon);
		emit(s, p, lat, lon, b->t, accuracy_of(b, p));
	}
	s->raw[0] = s->raw[1];
	s->raw[1] = *f;
}

/* is b within the speed bound of a? */
static bool
plausible(const TrackFix *a, const TrackFix *b, const TrackParams *p)
{
	double		dt = b->t - a->t;

	return leg(a->lat, a->lon, b->lat, b->lon) <=
		p->max_speed_mps * dt + accuracy_of(a, p) + accuracy_of(b, p);
}

TrackError
track_add(TrackState *state, const TrackParams *params, const TrackFix *fix,
		  TrackOutcome *outcome)
{
	TrackState	s;
	TrackFix	f;
	TrackOutcome out = TRACK_ACCEPTED;
	TrackError	err;

	if (state == NULL || params == NULL || fix == NULL)
		return TRACK_ERR_NULL_ARGUMENT;
	if ((err = track_params_validate(params)) != TRACK_OK)
		return err;
	if ((err = track_fix_validate(fix)) != TRACK_OK)
		return err;
	if (!isnan(state->seen_t) && !(fix->t > state->seen_t))
		return TRACK_ERR_ORDER;

	s = *state;
	f = *fix;
	if (isnan(f.accuracy) || f.accuracy < 0.0)
		f.accuracy = -1.0;
	s.seen_t = f.t;

	if (f.accuracy > params->max_accuracy_m)
	{
		s.dropped_inaccurate++;
		out = TRACK_DROPPED_INACCURATE;
	}
	else if (s.nraw == 0)
	{
		start_segment(&s, params, &f);
		s.accepted++;
	}
	else if (f.t - s.raw[s.nraw - 1].t > params->max_gap_s)
	{
		close_segment(&s, params);
		start_segment(&s, params, &f);
		s.accepted++;
	}
	else if (!plausible(&s.raw[s.nraw - 1], &f, params))
	{
		if (s.have_dropped && f.t - s.dropped.t <= params->max_gap_s &&
			plausible(&s.dropped, &f, params))
			s.drop_run++;
		else
			s.drop_run = 1;
		s.have_dropped = true;
		s.dropped = f;
		if (s.drop_run >= params->reset_after)
		{
			close_segment(&s, params);
			start_segment(&s, params, &f);
			s.accepted++;
			s.resets++;
		}
		else
		{
			s.dropped_speed++;
			out = TRACK_DROPPED_SPEED;
		}
	}
	else
	{
		push(&s, params, &f);
		s.accepted++;
	}
	if (out == TRACK_ACCEPTED)
	{
		s.have_dropped = false;
		s.drop_run = 0;
		memset(&s.dropped, 0, sizeof(s.dropped));
		if (isnan(s.first_t))
			s.first_t = f.t;
	}
	*state = s;
	if (outcome)
		*outcome = out;
	return TRACK_OK;
}

TrackError
track_figures(const TrackState *state, const TrackParams *params,
			  TrackFigures *figures)
{
	TrackState	s;
	TrackError	err;

	if (state == NULL || params == NULL || figures == NULL)
		return TRACK_ERR_NULL_ARGUMENT;
	if ((err = track_params_validate(params)) != TRACK_OK)
		return err;
	s = *state;
	close_segment(&s, params);
	figures->distance_m = s.distance_m;
	figures->moving_distance_m = s.moving_distance_m;
	figures->moving_s = s.moving_s;
	figures->stationary_s = s.stationary_s;
	figures->max_speed_mps = s.max_speed_mps > 0.0 ? s.max_speed_mps : s.max_leg_speed_mps;
	figures->avg_moving_speed_mps = s.moving_s > 0.0 ? s.moving_distance_m / s.moving_s : 0.0;
	figures->accepted = s.accepted;
	figures->dropped_inaccurate = s.dropped_inaccurate;
	figures->dropped_speed = s.dropped_speed;
	figures->merged = s.merged;
	figures->legs = s.legs;
	figures->segments = s.segments;
	figures->resets = s.resets;
	figures->first_t = s.first_t;
	figures->last_t = s.seen_t;
	return TRACK_OK;
}

/* serialisation */

static void
put_fix(double *o, const TrackFix *f)
{
	o[0] = f->t;
	o[1] = f->lat;
	o[2] = f->lon;
	o[3] = f->accuracy;
}

TrackError
track_state_save(const TrackState *s, double *o, size_t len)
{
	if (s == NULL || o == NULL)
		return TRACK_ERR_NULL_ARGUMENT;
	if (len < TRACK_STATE_LEN)
		return TRACK_ERR_STATE;
	memset(o, 0, sizeof(double) * TRACK_STATE_LEN);
	o[0] = TRACK_STATE_VERSION;
	o[1] = s->seen_t;
	o[2] = s->nraw;
	put_fix(o + 3, &s->raw[0]);
	put_fix(o + 7, &s->raw[1]);
	o[11] = s->have_dropped ? 1.0 : 0.0;
	put_fix(o + 12, &s->dropped);
	o[16] = s->drop_run;
	o[17] = s->have_anchor ? 1.0 : 0.0;
	o[18] = s->anchor_lat;
	o[19] = s->anchor_lon;
	o[20] = s->anchor_t;
	o[21] = s->point_t;
	o[22] = s->distance_m;
	o[23] = s->moving_distance_m;
	o[24] = s->moving_s;
	o[25] = s->stationary_s;
	o[26] = s->max_speed_mps;
	o[27] = s->first_t;
	o[28] = (double) s->accepted;
	o[29] = (double) s->dropped_inaccurate;
	o[30] = (double) s->dropped_speed;
	o[31] = (double) s->merged;
	o[32] = (double) s->legs;
	o[33] = (double) s->segments;
	o[34] = (double) s->resets;
	o[35] = s->max_leg_speed_mps;
	o[36] = s->run;
	{
		int			k;

		for (k = 0; k < TRACK_SPEED_LEGS - 1; k++)
		{
			o[37 + k] = s->run_d[k];
			o[40 + k] = s->run_dt[k];
		}
	}
	return TRACK_OK;
}

static bool
whole(double x, double hi)
{
	return in_range(x, 0.0, hi) && floor(x) == x;
}

static bool
zero_fix(const double *i)
{
	return i[0] == 0.0 && i[1] == 0.0 && i[2] == 0.0 && i[3] == 0.0;
}

/* a stored fix: valid point, accuracy -1 (unknown) or in [0, 1e5] */
static bool
load_fix(TrackFix *f, const double *i)
{
	if (check_point(i[0], i[1], i[2]) != TRACK_OK)
		return false;
	if (!(i[3] == -1.0 || in_range(i[3], 0.0, 100000.0)))
		return false;
	f->t = i[0];
	f->lat = i[1];
	f->lon = i[2];
	f->accuracy = i[3];
	return true;
}

TrackError
track_state_load(TrackState *state, const double *i, size_t len)
{
	TrackState	s;
	int			k;

	if (state == NULL || i == NULL)
		return TRACK_ERR_NULL_ARGUMENT;
	if (len != TRACK_STATE_LEN || i[0] != TRACK_STATE_VERSION)
		return TRACK_ERR_STATE;
	for (k = 43; k < TRACK_STATE_LEN; k++)
		if (i[k] != 0.0)
			return TRACK_ERR_STATE;
	track_init(&s);

	s.seen_t = i[1];
	if (!isnan(s.seen_t) && !in_range(s.seen_t, -TRACK_MAX_ABS_TIME, TRACK_MAX_ABS_TIME))
		return TRACK_ERR_STATE;
	if (!whole(i[2], 2.0))
		return TRACK_ERR_STATE;
	s.nraw = (int) i[2];
	for (k = 0; k < 2; k++)
	{
		if (k < s.nraw)
		{
			if (!load_fix(&s.raw[k], i + 3 + 4 * k) || isnan(s.seen_t) || s.raw[k].t > s.seen_t)
				return TRACK_ERR_STATE;
		}
		else if (!zero_fix(i + 3 + 4 * k))
			return TRACK_ERR_STATE;
	}
	if (s.nraw == 2 && !(s.raw[0].t < s.raw[1].t))
		return TRACK_ERR_STATE;
	if (!whole(i[11], 1.0) || !whole(i[17], 1.0) || !whole(i[16], 1000.0))
		return TRACK_ERR_STATE;
	s.have_dropped = i[11] == 1.0;
	if (s.have_dropped)
	{
		if (!load_fix(&s.dropped, i + 12) || s.dropped.t > s.seen_t)
			return TRACK_ERR_STATE;
	}
	else if (!zero_fix(i + 12) || i[16] != 0.0)
		return TRACK_ERR_STATE;
	s.drop_run = (int) i[16];
	s.have_anchor = i[17] == 1.0;
	if (s.have_anchor != (s.nraw > 0))
		return TRACK_ERR_STATE;
	if (s.have_anchor)
	{
		if (check_point(i[20], i[18], i[19]) != TRACK_OK ||
			check_point(i[21], 0.0, 0.0) != TRACK_OK ||
			i[20] > i[21] || i[21] > s.seen_t)
			return TRACK_ERR_STATE;
		s.anchor_lat = i[18];
		s.anchor_lon = i[19];
		s.anchor_t = i[20];
		s.point_t = i[21];
	}
	else if (i[18] != 0.0 || i[19] != 0.0 || i[20] != 0.0 || i[21] != 0.0)
	{
		/* a closed segment leaves its last anchor behind: accept a point */
		if (check_point(i[20], i[18], i[19]) != TRACK_OK ||
			check_point(i[21], 0.0, 0.0) != TRACK_OK)
			return TRACK_ERR_STATE;
		s.anchor_lat = i[18];
		s.anchor_lon = i[19];
		s.anchor_t = i[20];
		s.point_t = i[21];
	}
	/* speeds: any finite value >= 0 (a short leg's speed has no bound) */
	if (!isfinite(i[26]) || i[26] < 0.0 || !isfinite(i[35]) || i[35] < 0.0)
		return TRACK_ERR_STATE;
	for (k = 22; k <= 25; k++)
		if (!in_range(i[k], 0.0, 1e15))
			return TRACK_ERR_STATE;
	s.distance_m = i[22];
	s.moving_distance_m = i[23];
	s.moving_s = i[24];
	s.stationary_s = i[25];
	s.max_speed_mps = i[26];
	if (s.moving_distance_m > s.distance_m)
		return TRACK_ERR_STATE;
	s.first_t = i[27];
	if (!isnan(s.first_t) &&
		(!in_range(s.first_t, -TRACK_MAX_ABS_TIME, TRACK_MAX_ABS_TIME) ||
		 isnan(s.seen_t) || s.first_t > s.seen_t))
		return TRACK_ERR_STATE;
	for (k = 28; k <= 34; k++)
		if (!whole(i[k], MAX_COUNT))
			return TRACK_ERR_STATE;
	s.accepted = (long) i[28];
	s.dropped_inaccurate = (long) i[29];
	s.dropped_speed = (long) i[30];
	s.merged = (long) i[31];
	s.legs = (long) i[32];
	s.segments = (long) i[33];
	s.resets = (long) i[34];
	if (s.nraw > 0 && s.accepted == 0)
		return TRACK_ERR_STATE;
	if (!whole(i[36], TRACK_SPEED_LEGS))
		return TRACK_ERR_STATE;
	s.max_leg_speed_mps = i[35];
	s.run = (int) i[36];
	for (k = 0; k < TRACK_SPEED_LEGS - 1; k++)
	{
		/* a held leg has a length and a positive time; the rest are 0 */
		if (k < s.run)
		{
			if (!in_range(i[37 + k], 0.0, 1e15) || !in_range(i[40 + k], 0.0, 1e15) ||
				i[40 + k] == 0.0)
				return TRACK_ERR_STATE;
		}
		else if (i[37 + k] != 0.0 || i[40 + k] != 0.0)
			return TRACK_ERR_STATE;
		s.run_d[k] = i[37 + k];
		s.run_dt[k] = i[40 + k];
	}
	*state = s;
	return TRACK_OK;
}
