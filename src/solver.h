/*
 * src/solver.h
 *		Declarations shared by the SQL glue of the availability solver.
 *
 * The rules are in src/core/slots.c (its header states them).  The glue
 * around them is cut by what each part does:
 *	 - src/solver_input.c: the solver's saved queries, and one problem read
 *	   from the tables into a SolveInput: the org's settings, the local day
 *	   maps, and the days and busy items of its resources;
 *	 - src/solver.c: the core's request and solver for one resource of an
 *	   input, travel times on demand, the core's errors as SQLSTATEs, and the
 *	   functions that list: booking.available_slots(), booking.find_slots()
 *	   and booking.free_time();
 *	 - src/explain_slot.c: booking.explain_slot(), and the sentence for each
 *	   reason a start is refused;
 *	 - src/check_slot.c: booking.check_slot(), the write path's check of one
 *	   appointment, with a SQLSTATE for each reason (src/errcodes.h).
 *
 * The SQL functions are SECURITY DEFINER: availability depends on every
 * booking of a resource, also those the caller may not read.  They answer
 * only for the acting org (check_slot for the org it is given by the write
 * trigger), and explain_slot names a conflicting booking only to staff and
 * to the resource's own user.
 */
#ifndef BOOKING_SOLVER_H
#define BOOKING_SOLVER_H

#include "pgtime.h"
#include "utils/date.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"

#include "booking.h"
#include "core/slots.h"
#include "travel_time.h"

/* What solver_input.c keeps while reading: rows, decoded points. */
typedef struct WeeklyRow WeeklyRow;
typedef struct ExceptionRow ExceptionRow;
typedef struct PointMemo PointMemo;

/* One resource's part of a request. */
typedef struct ResourceInput
{
	pg_uuid_t	id;
	SlotsDay   *days;
	SlotsBusy  *busy;
	int			nbusy;
	int			maxbusy;
	pg_uuid_t  *busy_ids;		/* booking or session id of each item */
	bool	   *busy_is_session;
	TravelPoint *busy_pickup;	/* read only when travel can be asked */
	TravelPoint *busy_dropoff;
	bool	   *busy_has_pickup;
	bool	   *busy_has_dropoff;
} ResourceInput;

/* Everything one call solves over. */
typedef struct SolveInput
{
	pg_uuid_t	org;
	pg_tz	   *tz;
	int			grid;
	int64		earliest;
	int64		latest;
	int64		range_start;
	int64		range_end;
	DateADT		first_date;
	int			ndays;
	SlotsSegment *segments;		/* ndays * SLOTS_MAX_SEGMENTS */
	int		   *nsegments;
	int64	   *day_start;		/* the first instant of each date */
	int64	   *day_end;
	/* the service */
	pg_uuid_t	service;
	int64		duration;
	int64		buffer_before;
	int64		buffer_after;
	/* the resource asked for (from the org query) */
	bool		resource_exists;
	bool		resource_active;
	bool		has_service_area;	/* the org has a service area */
	/* the new booking's pickup and dropoff */
	bool		has_pickup;
	TravelPoint pickup;
	bool		has_dropoff;
	TravelPoint dropoff;
	const char *outside_area;	/* the point outside the service area, or NULL */
	/* a booking left out of the busy items (the one being written) */

	bool		has_exclude;
	pg_uuid_t	exclude;
	/* busy items read on demand (find_slots): [busy_lo, busy_hi) of busy_max */
	bool		busy_lazy;
	int64		busy_lo;
	int64		busy_hi;
	int64		busy_max;
	int64		busy_skip_before;
	/* resources */
	int			nresources;
	int			maxresources;
	ResourceInput *resources;
	/* rows read, until the days are built */
	WeeklyRow  *weekly;
	int			nweekly;
	int			maxweekly;
	ExceptionRow *exceptions;
	int			nexceptions;
	int			maxexceptions;
	/* geography values decoded so far (open addressing, power of two) */
	PointMemo  *points;
	int			npoints;
	int			maxpoints;
	/* travel */
	TravelOrg  *travel;
	TravelLookup *lookup;
	/* one solver workspace, reused resource after resource */
	void	   *workspace;
	size_t		workspace_size;
	MemoryContext cxt;			/* where the inputs live (not SPI's) */
} SolveInput;

/*
 * The solver's queries, each prepared once per backend (SPI_keepplan): the
 * plan cache replans them after DDL or a change of search_path.  The input
 * queries come in two forms, for one resource ($2) and for every resource
 * of the org, so that each has a plan that fits; their parameters are
 * always (org, resource, first date, last date) or, for the busy items,
 * (org, resource, from, to).
 */
typedef enum SolverQuery
{
	QUERY_ORG,					/* $1 org, $2 service, $3 resource; travel */
	QUERY_ORG_NO_RESOURCE,		/* the same without a resource */
	QUERY_ORG_NO_SERVICE,		/* ... without a service */
	QUERY_ORG_NEITHER,			/* ... without either */
	QUERY_RESOURCES,			/* $1 org: its active resources by id */
	QUERY_EXCEPTIONS_ONE,
	QUERY_EXCEPTIONS_ALL,
	QUERY_WEEKLY_ONE,
	QUERY_WEEKLY_ALL,
	QUERY_BUSY_ONE,
	QUERY_BUSY_ALL,
	QUERY_BUSY_STARTING,		/* $1 org, $3 from, $4 to: items starting then */
	QUERY_INELIGIBLE,			/* $1..$5 of eligibility_problems */
	QUERY_PROBLEMS,				/* the same, every row */
	QUERY_MAY_NAME,				/* $1 resource */
	QUERY_AREA,					/* $1 org, $2-$5 pickup and dropoff lat, lng */
	QUERY_CLIENT,				/* $1 org, $2 client, $3 resource (NULL: any) */
	QUERY_COUNT
} SolverQuery;

/* Called with the columns of each row of a query. */
typedef void (*SolverRowFunc) (void *arg, Datum *values, bool *isnull);

/* solver_input.c */
extern uint64 booking_solver_query(SolverQuery q, const Datum *values, const char *nulls,
								   SolverRowFunc func, void *arg);
extern SolveInput *booking_solver_input(const pg_uuid_t *org, const pg_uuid_t *resource,
										const pg_uuid_t *service, RangeType *during, Datum pickup,
										bool pickup_null, const pg_uuid_t *exclude);
extern SolveInput *booking_solver_input_lazy(const pg_uuid_t *service, RangeType *during, Datum pickup,
											 bool pickup_null);
extern bool booking_solver_load_busy(SolveInput *in, int64 through);
extern void booking_solver_check_client(SolveInput *in, const pg_uuid_t *client,
										const pg_uuid_t *resource);
extern SolveInput *booking_solver_input_at(const pg_uuid_t *org, const pg_uuid_t *resource,
										   const pg_uuid_t *service, TimestampTz start, Datum pickup,
										   bool pickup_null, Datum dropoff, bool dropoff_null,
										   const pg_uuid_t *exclude);

/* solver.c */
extern void booking_solver_error(SlotsError err, const SlotsFault *fault);
extern ResourceInput *booking_solver_explain(SolveInput *in, TimestampTz start, SlotsExplanation *out,
											 size_t cap, size_t *n, bool *truncated);

/* explain_slot.c */
extern char *booking_solver_local_str(SolveInput *in, int64 t);
extern char *booking_solver_reason_text(SolveInput *in, ResourceInput *r, const SlotsExplanation *x,
										bool figures);
extern bool booking_solver_may_see(ResourceInput *r);
extern void booking_solver_note_start(SlotsExplanation *out, size_t n, TimestampTz start);

#endif							/* BOOKING_SOLVER_H */
