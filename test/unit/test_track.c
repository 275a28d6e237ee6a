/*
 * test/unit/test_track.c
 *		Unit tests of src/core/track.c, the GPS trip figures.
 *
 * Reference distances are PostGIS ST_Distance(geography, geography) on the
 * WGS 84 spheroid (computed once with PostGIS 3 and written here); tracks
 * are synthetic (a route of straight runs and quarter turns at 1 Hz) so
 * that their true length is known in closed form, and noise comes from a
 * fixed-seed generator, so every run sees the same fixes.
 */
#include <math.h>
#include <stdlib.h>

#include "tap.h"
#include "track.h"

static uint64_t rng = 88172645463325252ULL;

static double
uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((rng >> 11) + 0.5) / 9007199254740992.0;
}

static double
gauss(void)
{
	return sqrt(-2.0 * log(uniform())) * cos(2.0 * 3.14159265358979323846 * uniform());
}

#define MAXFIX 4000
static TrackFix fixes[MAXFIX];

/* metres per degree at Berlin, for building tracks (exactness not needed) */
#define LAT0 52.5
#define LON0 13.4
#define M_PER_DEG_LAT 111257.0
#define M_PER_DEG_LON 67900.0

/*
 * A clean city route: runs of straight road at 12 m/s and quarter turns of
 * radius 25 m at 6 m/s, parked for `park` seconds halfway.  Returns the
 * number of fixes; *length the true length in metres (arcs included).
 */
static int
route(int park, double *length)
{
	double		x = 0,
				y = 0,
				heading = 0,
				t = 0,
				len = 0;
	int			n = 0;
	int			leg;

	for (leg = 0; leg < 12; leg++)
	{
		int			s;

		for (s = 0; s < 40; s++)	/* 480 m straight */
		{
			fixes[n].t = t;
			fixes[n].lat = LAT0 + y / M_PER_DEG_LAT;
			fixes[n].lon = LON0 + x / M_PER_DEG_LON;
			fixes[n].accuracy = 5.0;
			n++;
			x += 12.0 * cos(heading);
			y += 12.0 * sin(heading);
			len += 12.0;
			t += 1.0;
		}
		if (leg == 6)
			for (s = 0; s < park; s++)
			{
				fixes[n].t = t;
				fixes[n].lat = LAT0 + y / M_PER_DEG_LAT;
				fixes[n].lon = LON0 + x / M_PER_DEG_LON;
				fixes[n].accuracy = 5.0;
				n++;
				t += 1.0;
			}
		{
			/* quarter turn left or right, radius 25 m, at 6 m/s */
			double		dir = (leg % 3 == 2) ? -1.0 : 1.0;
			double		step = 6.0 / 25.0;
			double		turned = 0;

			while (turned + step <= 3.14159265358979323846 / 2 + 1e-9)
			{
				double		cx = x - dir * 25.0 * sin(heading);
				double		cy = y + dir * 25.0 * cos(heading);
				double		a = heading - dir * 3.14159265358979323846 / 2 + dir * step;

				fixes[n].t = t;
				fixes[n].lat = LAT0 + y / M_PER_DEG_LAT;
				fixes[n].lon = LON0 + x / M_PER_DEG_LON;
				fixes[n].accuracy = 5.0;
				n++;
				x = cx + 25.0 * cos(a);
				y = cy + 25.0 * sin(a);
				heading += dir * step;
				len += 2.0 * 25.0 * sin(step / 2);	/* chord: what fixes see */
				turned += step;
				t += 1.0;
			}
		}
	}
	fixes[n].t = t;
	fixes[n].lat = LAT0 + y / M_PER_DEG_LAT;
	fixes[n].lon = LON0 + x / M_PER_DEG_LON;
	fixes[n].accuracy = 5.0;
	n++;
	*length = len;
	return n;
}

static double
plain_sum(int n)
{
	double		sum = 0,
				d;
	int			i;

	for (i = 1; i < n; i++)
	{
		track_distance(fixes[i - 1].lat, fixes[i - 1].lon, fixes[i].lat, fixes[i].lon, &d);
		sum += d;
	}
	return sum;
}

/* jitter of sigma metres on each axis, and a teleport every `every` fixes */
static void
add_noise(int n, double sigma, int every, double teleport_m)
{
	int			i;

	for (i = 0; i < n; i++)
	{
		fixes[i].lat += sigma * gauss() / M_PER_DEG_LAT;
		fixes[i].lon += sigma * gauss() / M_PER_DEG_LON;
		if (every > 0 && i % every == every / 2)
		{
			double		a = 2 * 3.14159265358979323846 * uniform();

			fixes[i].lat += teleport_m * (1 + uniform()) * sin(a) / M_PER_DEG_LAT;
			fixes[i].lon += teleport_m * (1 + uniform()) * cos(a) / M_PER_DEG_LON;
			fixes[i].accuracy = 5.0;
		}
	}
}

static TrackFigures
run(int n, const TrackParams *p, int batch)
{
	TrackState	s;
	TrackFigures f;
	double		buf[TRACK_STATE_LEN];
	int			i;

	track_init(&s);
	for (i = 0; i < n; i++)
	{
		if (track_add(&s, p, &fixes[i], NULL) != TRACK_OK)
			printf("# track_add failed at %d\n", i);
		if (batch > 0 && i % batch == batch - 1)
		{
			/* what the glue does between batches: save, load */
			track_state_save(&s, buf, TRACK_STATE_LEN);
			if (track_state_load(&s, buf, TRACK_STATE_LEN) != TRACK_OK)
				printf("# state did not load at %d\n", i);
		}
	}
	track_figures(&s, p, &f);
	return f;
}

static void
test_messages_and_params(void)
{
	TrackParams p;
	int			i;
	bool		good = true;

	for (i = 0; i < TRACK_ERROR_COUNT; i++)
	{
		const char *m = track_error_message((TrackError) i);

		if (m[0] < 'a' || m[0] > 'z' || m[strlen(m) - 1] == '.')
			good = false;
	}
	ok(good, "error messages are lowercase without a final period");
	ok(strcmp(track_error_message((TrackError) 99), "unknown track error") == 0, "unknown code");
	track_params_default(&p);
	ok(track_params_validate(&p) == TRACK_OK, "defaults are valid");
	p.max_speed_mps = 0;
	ok(track_params_validate(&p) == TRACK_ERR_PARAMS, "max speed 0 refused");
	track_params_default(&p);
	p.max_gap_s = NAN;
	ok(track_params_validate(&p) == TRACK_ERR_PARAMS, "NaN gap refused");
	track_params_default(&p);
	p.reset_after = 0;
	ok(track_params_validate(&p) == TRACK_ERR_PARAMS, "reset_after 0 refused");
	ok(track_params_validate(NULL) == TRACK_ERR_NULL_ARGUMENT, "NULL params");
}

static void
test_distance(void)
{
	/* PostGIS ST_Distance(geography, geography), spheroid */
	static const struct
	{
		double		lat1, lon1, lat2, lon2, want;
	}			cases[] = {
		{52.5, 13.4, 52.5001, 13.4001, 13.03622764},
		{0.0, -70.0, 0.0003, -70.0, 33.17228275},
		{-33.9, 179.9999, -33.9002, -179.9998, 35.52573102},
		{48.1374, 11.5755, 48.20, 11.61, 7418.68188895},
		{65.0, 10.0, 65.0, 10.02, 943.51061726},
	};
	int			i;
	double		d = -1;

	for (i = 0; i < (int) (sizeof(cases) / sizeof(cases[0])); i++)
	{
		track_distance(cases[i].lat1, cases[i].lon1, cases[i].lat2, cases[i].lon2, &d);
		ok(fabs(d - cases[i].want) <= 1e-5 * cases[i].want,
		   "leg %d agrees with PostGIS within 1e-5 (%.8f vs %.8f)", i, d, cases[i].want);
	}
	track_distance(52.5, 13.4, 52.5, 13.4, &d);
	ok(d == 0.0, "same point: 0");
	track_distance(52.5, 13.4, 48.1374, 11.5755, &d);
	ok(fabs(d - 504000) < 5000, "Berlin-Munich by the long-leg formula: %.0f m", d);
	ok(track_distance(NAN, 0, 0, 0, &d) == TRACK_ERR_NOT_FINITE, "NaN latitude");
	ok(track_distance(91, 0, 0, 0, &d) == TRACK_ERR_LATITUDE, "latitude 91");
	ok(track_distance(0, 0, 0, -180.5, &d) == TRACK_ERR_LONGITUDE, "longitude -180.5");
	ok(track_distance(0, 0, 0, 0, NULL) == TRACK_ERR_NULL_ARGUMENT, "NULL output");
}

static void
test_clean_and_noisy(void)
{
	TrackParams p;
	TrackFigures f;
	double		len;
	double		plain;
	int			n;
	int			i;

	track_params_default(&p);

	n = route(0, &len);
	f = run(n, &p, 0);
	ok(fabs(f.distance_m - len) <= 0.005 * len,
	   "clean route: %.1f m against %.1f m of chords (within 0.5%%)", f.distance_m, len);
	ok(fabs(f.moving_s - (fixes[n - 1].t - fixes[0].t)) <= 2.0,
	   "clean route: moving the whole time (%.0f s)", f.moving_s);
	ok(f.stationary_s <= 2.0, "clean route: no stationary time (%.0f s)", f.stationary_s);
	ok(fabs(f.max_speed_mps - 12.0) < 0.2, "clean route: max speed 12 m/s (%.3f)", f.max_speed_mps);
	ok(f.avg_moving_speed_mps > 6.0 && f.avg_moving_speed_mps < 12.0,
	   "clean route: average moving speed between turn and straight speeds (%.2f)",
	   f.avg_moving_speed_mps);
	ok(f.accepted == n && f.dropped_speed == 0 && f.segments == 1, "clean route: every fix used, one segment");

	n = route(300, &len);
	f = run(n, &p, 0);
	ok(fabs(f.distance_m - len) <= 0.005 * len, "clean route with a 5 min stop: distance within 0.5%%");
	ok(fabs(f.stationary_s - 300.0) <= 3.0, "the stop is stationary time (%.0f s)", f.stationary_s);

	add_noise(n, 2.5, 200, 300.0);
	plain = plain_sum(n);
	f = run(n, &p, 0);
	ok(fabs(f.distance_m - len) <= 0.02 * len,
	   "noisy route (2.5 m jitter, teleports): %.1f m, %.2f%% off the clean length",
	   f.distance_m, 100.0 * (f.distance_m - len) / len);
	ok(fabs(plain - len) > 0.02 * len,
	   "noisy route: the plain sum of legs is %.2f%% off", 100.0 * (plain - len) / len);
	ok(f.dropped_speed == n / 200 + (n % 200 > 100), "every teleport dropped (%ld)", f.dropped_speed);
	ok(fabs(f.stationary_s - 300.0) <= 10.0, "noisy stop still stationary (%.0f s)", f.stationary_s);
	/* the maximum of a noisy estimate: 4-leg windows keep it within 2.5 m/s */
	ok(f.max_speed_mps > 11.0 && f.max_speed_mps < 14.5,
	   "noisy route: max speed %.2f m/s (true 12, single legs would say more)", f.max_speed_mps);

	/* batching, save and load change nothing */
	{
		TrackFigures b = run(n, &p, 60);
		TrackFigures c = run(n, &p, 7);

		ok(b.distance_m == f.distance_m && c.distance_m == f.distance_m &&
		   b.moving_s == f.moving_s && b.stationary_s == f.stationary_s &&
		   b.merged == f.merged && c.legs == f.legs && c.max_speed_mps == f.max_speed_mps,
		   "figures after batches of 60 or 7 (saved and loaded) equal one pass");
	}

	/* figures after every fix equal a fresh run over the prefix */
	{
		TrackState	s;
		bool		same = true;

		track_init(&s);
		for (i = 0; i < 300; i++)
		{
			TrackFigures a;
			TrackFigures whole;

			track_add(&s, &p, &fixes[i], NULL);
			track_figures(&s, &p, &a);
			whole = run(i + 1, &p, 0);
			if (a.distance_m != whole.distance_m || a.stationary_s != whole.stationary_s)
				same = false;
		}
		ok(same, "incremental figures equal a recomputation at every prefix");
	}
}

/*
 * What the glue does with a batch that reaches back before the trip's last
 * fix (sql/code/61_tracking.sql, booking.ingest_fixes): states saved every
 * 600 stored fixes; the late batch is folded by loading the last saved
 * state before its earliest fix and feeding every stored fix after that
 * state's last time (the late ones among them), in time order.  The result
 * must be the state of one pass over every fix, bit for bit, and only the
 * fixes after that saved state are read.
 */
#define EVERY 600
static void
test_late_batches(void)
{
	TrackParams p;
	TrackState	s;
	TrackState	whole;
	double		len;
	double		saved[16][TRACK_STATE_LEN];
	int			nsaved = 0;
	double		a[TRACK_STATE_LEN];
	double		b[TRACK_STATE_LEN];
	bool		late[MAXFIX];
	int			n;
	int			i;
	int			stored = 0;
	int			k;
	int			refolded = 0;
	int			first_late = -1;

	track_params_default(&p);
	n = route(300, &len);
	add_noise(n, 2.5, 150, 400.0);
	for (i = 0; i < n; i++)
	{
		late[i] = i > n - 150 && i % 7 == 3;
		if (late[i] && first_late < 0)
			first_late = i;
	}
	/* in order, in batches of 60 of the fixes that are not late */
	track_init(&s);
	for (i = 0; i < n; i++)
	{
		int			before = stored;

		if (late[i])
			continue;
		track_add(&s, &p, &fixes[i], NULL);
		stored++;
		if (stored % 60 == 0 || i == n - 1)
		{
			track_state_save(&s, a, TRACK_STATE_LEN);
			track_state_load(&s, a, TRACK_STATE_LEN);
			if (stored / EVERY > (before - before % 60) / EVERY && nsaved < 16)
				memcpy(saved[nsaved++], a, sizeof(a));
		}
	}
	/* the late batch: from the last saved state before its earliest fix */
	k = nsaved;
	while (k > 0 && !(saved[k - 1][1] < fixes[first_late].t))
		k--;
	ok(k > 0 && k < nsaved + 1, "a saved state before the late batch (%d of %d)", k, nsaved);
	if (k > 0)
		track_state_load(&s, saved[k - 1], TRACK_STATE_LEN);
	else
		track_init(&s);
	for (i = 0; i < n; i++)
		if (k == 0 || fixes[i].t > saved[k - 1][1])
		{
			track_add(&s, &p, &fixes[i], NULL);
			refolded++;
		}
	track_init(&whole);
	for (i = 0; i < n; i++)
		track_add(&whole, &p, &fixes[i], NULL);
	track_state_save(&s, a, TRACK_STATE_LEN);
	track_state_save(&whole, b, TRACK_STATE_LEN);
	ok(memcmp(a, b, sizeof(a)) == 0, "late batch refolded from a saved state: the state of one pass, bit for bit");
	ok(refolded < n - first_late + EVERY + 60 && refolded < n,
	   "the refold read %d fixes of %d (those after the saved state)", refolded, n);
}

static void
test_rules(void)
{
	TrackParams p;
	TrackState	s;
	TrackFigures f;
	TrackFix	x;
	TrackOutcome o;
	int			i;

	track_params_default(&p);

	/* parked jitter */
	track_init(&s);
	for (i = 0; i < 600; i++)
	{
		x.t = i;
		x.lat = LAT0 + 2.0 * gauss() / M_PER_DEG_LAT;
		x.lon = LON0 + 2.0 * gauss() / M_PER_DEG_LON;
		x.accuracy = 5.0;
		track_add(&s, &p, &x, NULL);
	}
	track_figures(&s, &p, &f);
	ok(f.distance_m < 50.0, "10 min parked with 2 m jitter: %.1f m", f.distance_m);
	ok(f.moving_s < 30.0 && f.stationary_s > 570.0, "parked: stationary (%.0f s moving)", f.moving_s);

	/* a gap is not bridged */
	track_init(&s);
	x.accuracy = 5.0;
	x.t = 0; x.lat = LAT0; x.lon = LON0;
	track_add(&s, &p, &x, NULL);
	x.t = 1; x.lat = LAT0 + 10 / M_PER_DEG_LAT;
	track_add(&s, &p, &x, NULL);
	x.t = 200; x.lat = LAT0 + 2000 / M_PER_DEG_LAT;
	track_add(&s, &p, &x, &o);
	ok(o == TRACK_ACCEPTED, "a fix after a gap is accepted");
	x.t = 201; x.lat = LAT0 + 2010 / M_PER_DEG_LAT;
	track_add(&s, &p, &x, NULL);
	track_figures(&s, &p, &f);
	ok(f.segments == 2 && fabs(f.distance_m - 20.0) < 0.5,
	   "the 199 s gap is not bridged: two segments, %.2f m", f.distance_m);
	ok(f.moving_s == 2.0 && f.stationary_s == 0.0, "the gap is neither moving nor stationary");

	/* an inaccurate fix */
	x.t = 202; x.accuracy = 500.0;
	track_add(&s, &p, &x, &o);
	ok(o == TRACK_DROPPED_INACCURATE, "a 500 m accuracy fix is dropped");

	/* order */
	x.t = 202; x.accuracy = 5.0;
	ok(track_add(&s, &p, &x, NULL) == TRACK_ERR_ORDER, "the same time twice: order error");
	x.t = 100;
	ok(track_add(&s, &p, &x, NULL) == TRACK_ERR_ORDER, "an earlier time: order error");
	x.t = 203; x.lat = NAN;
	ok(track_add(&s, &p, &x, NULL) == TRACK_ERR_NOT_FINITE, "NaN fix refused");
	x.lat = LAT0; x.t = 2e11;
	ok(track_add(&s, &p, &x, NULL) == TRACK_ERR_TIME, "time far out refused");

	/* a bad first fix: reset after 5 consistent fixes */
	track_init(&s);
	x.accuracy = 5.0;
	x.t = 0; x.lat = LAT0 + 0.05; x.lon = LON0;
	track_add(&s, &p, &x, NULL);
	for (i = 1; i <= 20; i++)
	{
		x.t = i; x.lat = LAT0 + 10.0 * i / M_PER_DEG_LAT;
		track_add(&s, &p, &x, &o);
	}
	track_figures(&s, &p, &f);
	ok(f.resets == 1 && f.dropped_speed == 4, "a bad first fix: 4 dropped, then a reset");
	ok(fabs(f.distance_m - 150.0) < 1.0, "distance counted after the reset: %.2f m", f.distance_m);

	/* damaged states */
	{
		double		buf[TRACK_STATE_LEN];
		TrackState	t;

		track_state_save(&s, buf, TRACK_STATE_LEN);
		ok(track_state_load(&t, buf, TRACK_STATE_LEN) == TRACK_OK, "a saved state loads");
		ok(memcmp(&t.distance_m, &s.distance_m, sizeof(double)) == 0 && t.legs == s.legs,
		   "and is the same state");
		buf[0] = 2;
		ok(track_state_load(&t, buf, TRACK_STATE_LEN) == TRACK_ERR_STATE, "wrong version");
		buf[0] = 1;
		buf[2] = 1.5;
		ok(track_state_load(&t, buf, TRACK_STATE_LEN) == TRACK_ERR_STATE, "half a fix held");
		buf[2] = 2;
		buf[22] = -1;
		ok(track_state_load(&t, buf, TRACK_STATE_LEN) == TRACK_ERR_STATE, "negative distance");
		buf[22] = 0;
		ok(track_state_load(&t, buf, TRACK_STATE_LEN - 1) == TRACK_ERR_STATE, "short array");
		ok(track_state_load(NULL, buf, TRACK_STATE_LEN) == TRACK_ERR_NULL_ARGUMENT, "NULL state");
	}
}

int
main(void)
{
	test_messages_and_params();
	test_distance();
	test_clean_and_noisy();
	test_rules();
	test_late_batches();
	return done_testing();
}
