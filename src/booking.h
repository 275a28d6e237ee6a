/*
 * src/booking.h
 *		Declarations shared by the SQL-callable glue of the booking extension.
 *
 * The algorithms live in src/core/ and include no PostgreSQL header; the
 * files beside this one adapt them to PostgreSQL (argument checking, errors,
 * catalog and SPI access).
 */
#ifndef BOOKING_H
#define BOOKING_H

#include "postgres.h"

/* identity.c */
extern void booking_identity_init(void);
extern bool booking_internal;

/* lifecycle.c */
extern void booking_lifecycle_init(void);

#endif							/* BOOKING_H */
