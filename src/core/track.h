/*-------------------------------------------------------------------------
 *
 * src/core/track.h
 *		Pure C core of the GPS trip figures: distance, moving time,
 *		stationary time, maximum and average moving speed of a track of
 *		fixes, with GPS noise handled as documented below, kept
 *		incrementally in a small state that the SQL glue stores with the
 *		trip (as a float8[] of TRACK_STATE_LEN values).
 *
 * This file includes no PostgreSQL header and allocates nothing, so it can
 * be unit-tested and fuzzed without a server.  Every function checks what
 * it is given and returns a TrackError instead of asserting; on error no
 * output is written and the state is left as it was.
 *
 * FIXES
 *
 * A fix is a time t in seconds (any epoch; the glue uses seconds since
 * 2000-01-01 UTC), WGS 84 degrees lat in [-90, 90] and lon in [-180, 180],
 * and an accuracy in metres (the device's horizontal radius; NaN or a
 * negative value mean unknown).  Fixes are fed in strictly increasing time:
 * the glue sorts a batch and recomputes a trip from its stored points when
 * a batch reaches back before the last fix already fed (see the README).
 *
 * NOISE HANDLING (the pipeline every fix goes through, in this order)
 *
 *	 1. Inaccurate fixes: a fix whose accuracy is above max_accuracy_m is
 *		dropped (counted in dropped_inaccurate).
 *	 2. Gaps: a fix more than max_gap_s after the previous accepted fix
 *		starts a new segment: the gap is not bridged (no distance, and its
 *		time is neither moving nor stationary: untracked).
 *	 3. Teleports: within a segment, a fix farther from the previous
 *		accepted fix than max_speed_mps * dt + accuracy of both (unknown
 *		accuracy counts as merge_min_m) is dropped (dropped_speed) and the
 *		next fix is compared with the previous accepted one again.  If the
 *		previous accepted fix was itself the bad one, every later fix would
 *		be dropped; so after reset_after consecutive dropped fixes that are
 *		consistent with each other (each within the speed bound of the one
 *		before), the last of them starts a new segment (counted in resets).
 *	 4. Smoothing: inside a segment each accepted fix but the first and the
 *		last is replaced by the mean of itself and its two neighbours (a
 *		centred 3-point moving average; the time is the middle fix's).  It
 *		divides the variance of the step between consecutive points by 9
 *		for independent jitter, and shortens a turn by about 2 % at the
 *		usual 1 s / 5 m/s / 20 m radius of a city corner.
 *	 5. Merging: a smoothed point within r = max(merge_min_m, its fix's
 *		accuracy) of the last counted point (the anchor) is merged into it
 *		(merged): a parked car's jitter adds nothing.  Otherwise the leg
 *		from the anchor is counted and the point becomes the anchor.
 *
 * FIGURES
 *
 *	 distance_m     sum of the counted legs
 *	 moving_s       time of the counted legs whose speed (length / time,
 *	                time including the merged points before them) is at
 *	                least moving_min_mps
 *	 stationary_s   the time of the other legs, plus the time from each
 *	                segment's last anchor to its last point
 *	 max_speed_mps  the fastest average over TRACK_SPEED_LEGS consecutive
 *	                moving legs (a single leg carries the jitter of its two
 *	                ends; four legs share it), or the fastest single leg if
 *	                no segment ever had that many moving legs in a row
 *	 avg_moving_speed_mps  moving legs' distance / moving_s (0 if none)
 *
 * Leg length is the distance on the WGS 84 ellipsoid in the local tangent
 * plane at the mean latitude (meridional radius M, prime-vertical radius N):
 *
 *	 d = sqrt((M * dlat)^2 + (N * cos(mean lat) * dlon)^2)
 *
 * which for legs under 20 km agrees with the ellipsoidal geodesic (PostGIS
 * ST_Distance on geography) to better than 1e-5 relative; longer legs (only
 * after a reset or in a degenerate track) use the haversine on the sphere
 * of radius sqrt(M * N) at the mean latitude (within 0.5 %).
 *
 * INCREMENTAL USE
 *
 * track_add() folds one fix into the state.  The last accepted fix of a
 * segment is not yet smoothed (its successor is unknown); track_figures()
 * reads the figures as if the track ended there, without changing the
 * state, so that the figures after any batch equal those of feeding every
 * fix so far in one go, however the fixes were split into batches.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BOOKING_TRACK_H
#define BOOKING_TRACK_H

#include <stdbool.h>
#include <stddef.h>

/* WGS 84 ellipsoid */
#define TRACK_WGS84_A			6378137.0
#define TRACK_WGS84_F			(1.0 / 298.257223563)

/* Largest |t| accepted (about 3 170 years in seconds). */
#define TRACK_MAX_ABS_TIME		1e11

/* Number of float8 values of a serialised state. */
#define TRACK_STATE_LEN			48

/* Consecutive moving legs the maximum speed is averaged over. */
#define TRACK_SPEED_LEGS		4

/* Version stored in the first value of a serialised state. */
#define TRACK_STATE_VERSION		1

/* Defaults of track_params_default(). */
#define TRACK_DEFAULT_MAX_SPEED_MPS		(250.0 / 3.6)
#define TRACK_DEFAULT_MERGE_MIN_M		5.0
#define TRACK_DEFAULT_MAX_GAP_S			60.0
#define TRACK_DEFAULT_MAX_ACCURACY_M	100.0
#define TRACK_DEFAULT_MOVING_MIN_MPS	1.0
#define TRACK_DEFAULT_RESET_AFTER		5

typedef enum TrackError
{
	TRACK_OK = 0,
	TRACK_ERR_NULL_ARGUMENT,	/* a required pointer is NULL */
	TRACK_ERR_NOT_FINITE,		/* a coordinate or the time is NaN or infinite */
	TRACK_ERR_LATITUDE,			/* latitude outside [-90, 90] */
	TRACK_ERR_LONGITUDE,		/* longitude outside [-180, 180] */
	TRACK_ERR_TIME,				/* |time| above TRACK_MAX_ABS_TIME */
	TRACK_ERR_ORDER,			/* a fix not after the last one fed */
	TRACK_ERR_PARAMS,			/* a parameter out of its range */
	TRACK_ERR_STATE				/* a serialised state that is not one */
} TrackError;

#define TRACK_ERROR_COUNT		((int) TRACK_ERR_STATE + 1)

typedef struct TrackParams
{
	double		max_speed_mps;	/* (0, 1000]: faster implied legs are teleports */
	double		merge_min_m;	/* [0, 1000]: smallest merge radius */
	double		max_gap_s;		/* (0, 86400]: longer gaps are not bridged */
	double		max_accuracy_m; /* (0, 100000]: less accurate fixes dropped */
	double		moving_min_mps; /* [0, 100]: slower legs are stationary */
	int			reset_after;	/* 1..1000 consistent drops start a segment */
} TrackParams;

typedef struct TrackFix
{
	double		t;				/* seconds */
	double		lat;			/* degrees */
	double		lon;			/* degrees */
	double		accuracy;		/* metres; NaN or < 0 = unknown */
} TrackFix;

/* What track_add() did with a fix. */
typedef enum TrackOutcome
{
	TRACK_ACCEPTED = 0,
	TRACK_DROPPED_INACCURATE,
	TRACK_DROPPED_SPEED
} TrackOutcome;

typedef struct TrackFigures
{
	double		distance_m;
	double		moving_distance_m;
	double		moving_s;
	double		stationary_s;
	double		max_speed_mps;
	double		avg_moving_speed_mps;
	long		accepted;		/* fixes accepted (steps 1-3 passed) */
	long		dropped_inaccurate;
	long		dropped_speed;
	long		merged;			/* smoothed points merged into an anchor */
	long		legs;			/* counted legs */
	long		segments;		/* segments started (gaps and resets + 1) */
	long		resets;
	double		first_t;		/* first accepted fix, NaN if none */
	double		last_t;			/* last fix fed (accepted or not), NaN if none */
} TrackFigures;

/* The incremental state: treat as opaque; copy by value. */
typedef struct TrackState
{
	double		seen_t;			/* last fix fed, NaN if none */
	int			nraw;			/* 0..2 raw fixes of the open segment held */
	TrackFix	raw[2];			/* raw[nraw - 1] is the last accepted */
	bool		have_dropped;
	TrackFix	dropped;		/* last dropped-for-speed fix */
	int			drop_run;		/* consistent consecutive drops */
	bool		have_anchor;
	double		anchor_lat;
	double		anchor_lon;
	double		anchor_t;
	double		point_t;		/* time of the last smoothed point emitted */
	double		distance_m;
	double		moving_distance_m;
	double		moving_s;
	double		stationary_s;
	double		max_speed_mps;	/* over TRACK_SPEED_LEGS moving legs */
	double		max_leg_speed_mps;	/* over one moving leg */
	int			run;			/* consecutive moving legs, capped */
	double		run_d[TRACK_SPEED_LEGS - 1];	/* the last ones' lengths */
	double		run_dt[TRACK_SPEED_LEGS - 1];	/* and times */
	double		first_t;
	long		accepted;
	long		dropped_inaccurate;
	long		dropped_speed;
	long		merged;
	long		legs;
	long		segments;
	long		resets;
} TrackState;

extern const char *track_error_message(TrackError error);

extern void track_params_default(TrackParams *params);
extern TrackError track_params_validate(const TrackParams *params);

/* Check a fix's coordinates and time (accuracy may be anything). */
extern TrackError track_fix_validate(const TrackFix *fix);

/* Leg length in metres between two valid points (see the header comment). */
extern TrackError track_distance(double lat1, double lon1, double lat2,
								 double lon2, double *distance_m);

/* An empty state. */
extern void track_init(TrackState *state);

/*
 * track_add
 *		Fold one valid fix, strictly after every fix fed so far, into the
 *		state; *outcome (may be NULL) says whether it was accepted.
 */
extern TrackError track_add(TrackState *state, const TrackParams *params,
							const TrackFix *fix, TrackOutcome *outcome);

/* The figures of the track so far, as if it ended at its last fix. */
extern TrackError track_figures(const TrackState *state,
								const TrackParams *params,
								TrackFigures *figures);

/*
 * track_state_save / track_state_load
 *		The state as TRACK_STATE_LEN doubles, and back.  Loading checks
 *		every value (version, finiteness, ranges, whole counts) and returns
 *		TRACK_ERR_STATE for anything save() cannot have written.
 */
extern TrackError track_state_save(const TrackState *state, double *out,
								   size_t len);
extern TrackError track_state_load(TrackState *state, const double *in,
								   size_t len);

#endif							/* BOOKING_TRACK_H */
