/*
 * test/fuzz/fuzz_track.c
 *		libFuzzer harness of src/core/track.c.
 *
 * From the input: parameters (valid or not), a sequence of fixes (any
 * doubles, often near a base point, times mostly increasing), split into
 * batches with a save/load between them, and a raw state array.  Checks:
 * no crash or sanitizer report; errors leave the state untouched; figures
 * are finite, non-negative and consistent (moving distance <= distance,
 * counts add up); batching never changes the figures; a refold from a state
 * saved mid-track (what a late batch does) equals one pass; load accepts what
 * save wrote and whatever load accepts can be fed and saved again.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "track.h"

#define CHECK(cond, what) \
	do { if (!(cond)) { fprintf(stderr, "check failed: %s\n", what); abort(); } } while (0)

static double
take_double(Reader *r, double lo, double hi)
{
	uint8_t		k = take_u8(r);

	if (k == 255)
	{
		uint64_t	bits = take_u64(r, 8);
		double		d;

		memcpy(&d, &bits, sizeof(d));
		return d;				/* any bit pattern: NaN, inf, huge */
	}
	return lo + (hi - lo) * ((double) take_u64(r, 2) / 65535.0);
}

static void
check_figures(const TrackFigures *f)
{
	CHECK(isfinite(f->distance_m) && f->distance_m >= 0, "distance finite");
	CHECK(f->moving_distance_m <= f->distance_m * (1 + 1e-12) + 1e-9, "moving distance <= distance");
	CHECK(isfinite(f->moving_s) && f->moving_s >= 0, "moving time");
	CHECK(isfinite(f->stationary_s) && f->stationary_s >= 0, "stationary time");
	CHECK(isfinite(f->max_speed_mps) && f->max_speed_mps >= 0, "max speed");
	CHECK(isfinite(f->avg_moving_speed_mps) && f->avg_moving_speed_mps >= 0, "avg speed");
	CHECK(f->accepted >= 0 && f->dropped_speed >= 0 && f->merged >= 0 && f->legs >= 0,
		  "counts non-negative");
	CHECK(f->legs + f->merged + f->segments <= f->accepted + f->segments, "legs and merges from accepted fixes");
	CHECK(f->resets < f->segments || f->segments == 0, "resets start segments");
	if (f->accepted > 0)
		CHECK(f->first_t <= f->last_t, "first before last");
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Reader		r = {data, size, 0};
	TrackParams p;
	TrackState	one;
	TrackState	batched;
	TrackFigures f1;
	TrackFigures f2;
	double		buf[TRACK_STATE_LEN];
	double		t = 0;
	int			n;
	int			i;
	int			batch;
	bool		valid_params;
	/* a saved state at the cut-th accepted fix, refolded with the rest */
	static TrackFix accepted[1024];
	int			naccepted = 0;
	int			cut;
	double		saved[TRACK_STATE_LEN];
	bool		have_saved = false;

	track_params_default(&p);
	if (take_u8(&r) & 1)
	{
		p.max_speed_mps = take_double(&r, 0, 100);
		p.merge_min_m = take_double(&r, 0, 30);
		p.max_gap_s = take_double(&r, 0, 300);
		p.max_accuracy_m = take_double(&r, 0, 200);
		p.moving_min_mps = take_double(&r, 0, 3);
		p.reset_after = (int) take_u8(&r) - 5;
	}
	valid_params = track_params_validate(&p) == TRACK_OK;
	n = take_u8(&r) * 4;
	batch = 1 + take_u8(&r) % 64;
	cut = take_u8(&r) * 4;

	track_init(&one);
	track_init(&batched);
	for (i = 0; i < n && r.pos < r.size; i++)
	{
		TrackFix	x;
		TrackState	before = one;
		TrackError	e1;
		TrackError	e2;
		uint8_t		mode = take_u8(&r);

		t += (mode & 3) == 0 ? -take_double(&r, 0, 5) : take_double(&r, 0, 120);
		x.t = (mode & 0xf0) == 0xf0 ? take_double(&r, -1e12, 1e12) : t;
		x.lat = 52.5 + take_double(&r, -0.01, 0.01) * ((mode & 8) ? 1000 : 1);
		x.lon = 179.995 + take_double(&r, -0.01, 0.01) * ((mode & 4) ? 1000 : 1);
		if (x.lon > 180)
			x.lon -= 360;
		x.accuracy = take_double(&r, -5, 150);

		if (naccepted == cut && !have_saved)
		{
			CHECK(track_state_save(&one, saved, TRACK_STATE_LEN) == TRACK_OK, "save at the cut");
			have_saved = true;
		}
		e1 = track_add(&one, &p, &x, NULL);
		e2 = track_add(&batched, &p, &x, NULL);
		if (e1 == TRACK_OK && naccepted < 1024)
			accepted[naccepted++] = x;
		CHECK(e1 == e2, "same status batched or not");
		if (!valid_params)
			CHECK(e1 == TRACK_ERR_PARAMS, "bad params refused");
		if (e1 != TRACK_OK)
			CHECK(memcmp(&before, &one, sizeof(one)) == 0, "error leaves the state");
		if (i % batch == batch - 1)
		{
			CHECK(track_state_save(&batched, buf, TRACK_STATE_LEN) == TRACK_OK, "save");
			CHECK(track_state_load(&batched, buf, TRACK_STATE_LEN) == TRACK_OK, "load what save wrote");
		}
		if (valid_params && (i & 15) == 0)
		{
			CHECK(track_figures(&one, &p, &f1) == TRACK_OK, "figures");
			check_figures(&f1);
		}
	}
	if (valid_params)
	{
		CHECK(track_figures(&one, &p, &f1) == TRACK_OK, "figures");
		CHECK(track_figures(&batched, &p, &f2) == TRACK_OK, "figures batched");
		check_figures(&f1);
		CHECK(f1.distance_m == f2.distance_m && f1.moving_s == f2.moving_s &&
			  f1.stationary_s == f2.stationary_s && f1.max_speed_mps == f2.max_speed_mps &&
			  f1.merged == f2.merged && f1.legs == f2.legs, "batching changes nothing");
	}

	/* a late batch's refold: the state saved at the cut, loaded, with every
	 * accepted fix after it fed again, is the state of one pass, bit for bit */
	if (have_saved && valid_params)
	{
		TrackState	resumed;
		double		a[TRACK_STATE_LEN];
		double		b[TRACK_STATE_LEN];

		CHECK(track_state_load(&resumed, saved, TRACK_STATE_LEN) == TRACK_OK, "load the saved state");
		for (i = cut; i < naccepted; i++)
			CHECK(track_add(&resumed, &p, &accepted[i], NULL) == TRACK_OK, "refold accepts what one pass accepted");
		CHECK(track_state_save(&resumed, a, TRACK_STATE_LEN) == TRACK_OK, "save refolded");
		CHECK(track_state_save(&one, b, TRACK_STATE_LEN) == TRACK_OK, "save one pass");
		CHECK(memcmp(a, b, sizeof(a)) == 0, "refold from a saved state equals one pass");
	}

	/* a raw state array: load never crashes; what loads, works */
	for (i = 0; i < TRACK_STATE_LEN; i++)
		buf[i] = 0;
	CHECK(track_state_save(&one, buf, TRACK_STATE_LEN) == TRACK_OK, "save");
	while (r.pos < r.size)
	{
		int			k = take_u8(&r) % TRACK_STATE_LEN;

		buf[k] = take_double(&r, -10, 10);
	}
	if (track_state_load(&batched, buf, TRACK_STATE_LEN) == TRACK_OK && valid_params)
	{
		TrackFix	x = {batched.seen_t + 1, 52.5, 13.4, 5};

		if (isnan(batched.seen_t))
			x.t = 0;
		if (fabs(x.t) <= TRACK_MAX_ABS_TIME)
			CHECK(track_add(&batched, &p, &x, NULL) == TRACK_OK, "a loaded state takes a fix");
		CHECK(track_figures(&batched, &p, &f2) == TRACK_OK, "a loaded state gives figures");
		CHECK(isfinite(f2.distance_m), "finite figures from a loaded state");
		CHECK(track_state_save(&batched, buf, TRACK_STATE_LEN) == TRACK_OK, "and saves");
	}
	return 0;
}
