/*
 * src/booking.h
 *		Declarations that every part of the SQL-callable glue of the booking
 *		extension may use: uuids, the acting org, local dates, module init.
 *
 * The algorithms live in src/core/ and include no PostgreSQL header; the
 * files beside this one adapt them to PostgreSQL (argument checking, errors,
 * catalog and SPI access).  A part with more to share has a header of its
 * own: src/solver.h (the availability solver), src/travel_time.h (travel
 * times); src/errcodes.h indexes the extension's own SQLSTATEs.
 */
#ifndef BOOKING_H
#define BOOKING_H

#include "postgres.h"

#include "fmgr.h"
#include "pgtime.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

/* A uuid as a Datum (pointing to it, not copied), and as text. */
static inline Datum
booking_uuid_datum(const pg_uuid_t *u)
{
	return UUIDPGetDatum(unconstify(pg_uuid_t *, u));
}

static inline char *
booking_uuid_str(const pg_uuid_t *u)
{
	return DatumGetCString(DirectFunctionCall1(uuid_out, booking_uuid_datum(u)));
}

/* identity.c */
extern void booking_identity_init(void);
extern bool booking_acting_org(pg_uuid_t *org);

/* timezone.c */
extern DateADT booking_local_date(pg_tz *tz, TimestampTz t);
extern char *booking_local_time_str(pg_tz *tz, TimestampTz t);
extern bool booking_range_instants(RangeType *r, const char *what, TimestampTz *first, TimestampTz *last);

/* lifecycle.c */
extern void booking_solver_init(void);
extern void booking_lifecycle_init(void);

#endif							/* BOOKING_H */
