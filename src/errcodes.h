/*
 * src/errcodes.h
 *		The booking extension's own SQLSTATEs: the one index of them.
 *
 * Class 23 (integrity constraint violation) and class 22 (data exception)
 * each get blocks of codes of our own: 23Kxx and 22Kxx (bookings), 23Gxx
 * and 22Gxx (lessons and GPS trips); the standard
 * codes (23P01 exclusion_violation, 22023 invalid_parameter_value, ...)
 * are used where they say what happened.  A code is written here as it is
 * raised, so that grep for it (say 23K14) finds this index and every C
 * file that raises it; the raisers in C use the macros below, as
 * PostgreSQL's own utils/errcodes.h spells its codes.
 *
 * Raised from C: by booking.check_slot() (src/check_slot.c), the solver's
 * rules in the write trigger of sql/code/49_write_trigger.sql, one code per reason that
 * slots_explain() (src/core/slots.h) gives for refusing a start:
 */
#ifndef BOOKING_ERRCODES_H
#define BOOKING_ERRCODES_H

#include "utils/elog.h"

/* 23K06: outside the working hours or the requested range (overridable) */
#define ERRCODE_23K06_OUTSIDE_HOURS		MAKE_SQLSTATE('2','3','K','0','6')
/* 23K07: a day off by an availability exception (overridable) */
#define ERRCODE_23K07_DAY_OFF			MAKE_SQLSTATE('2','3','K','0','7')
/* 23K08: outside the hours of the day's availability exception (overridable) */
#define ERRCODE_23K08_EXCEPTION_HOURS	MAKE_SQLSTATE('2','3','K','0','8')
/* 23K09: in a break of the working hours (overridable) */
#define ERRCODE_23K09_IN_BREAK			MAKE_SQLSTATE('2','3','K','0','9')
/* 23K10: not on the org's grid of start times (overridable) */
#define ERRCODE_23K10_OFF_GRID			MAKE_SQLSTATE('2','3','K','1','0')
/* 23K11: inside the minimum notice (overridable) */
#define ERRCODE_23K11_NOTICE			MAKE_SQLSTATE('2','3','K','1','1')
/* 23K12: beyond the booking horizon (overridable) */
#define ERRCODE_23K12_HORIZON			MAKE_SQLSTATE('2','3','K','1','2')
/* 23K13: the resource's daily maximum of bookings reached (overridable) */
#define ERRCODE_23K13_DAILY_MAXIMUM		MAKE_SQLSTATE('2','3','K','1','3')
/* 23K14: not enough time to travel from the previous item (never overridden) */
#define ERRCODE_23K14_TRAVEL_FROM		MAKE_SQLSTATE('2','3','K','1','4')
/* 23K15: not enough time to travel to the next item (never overridden) */
#define ERRCODE_23K15_TRAVEL_TO			MAKE_SQLSTATE('2','3','K','1','5')

/*
 * Raised from C by booking.find_slots() (src/solver.c):
 */
/* 22K10: a page cursor of another query (other org, service, range, pickup or client) */
#define ERRCODE_22K10_CURSOR_OF_ANOTHER_QUERY	MAKE_SQLSTATE('2','2','K','1','0')

/*
 * Raised from C by the GPS trip figures, booking.track_fold() and
 * booking.track_figures() (src/track.c), one code per kind of TrackError
 * (src/core/track.h):
 */
/* 22G01: a fix with a NULL, NaN or out-of-range time or coordinate */
#define ERRCODE_22G01_TRACK_BAD_FIX		MAKE_SQLSTATE('2','2','G','0','1')
/* 22G02: fixes not in strictly increasing time, or before the state's last */
#define ERRCODE_22G02_TRACK_ORDER		MAKE_SQLSTATE('2','2','G','0','2')
/* 22G03: a tracking parameter out of range */
#define ERRCODE_22G03_TRACK_PARAMS		MAKE_SQLSTATE('2','2','G','0','3')
/* 22G04: a damaged figure state */
#define ERRCODE_22G04_TRACK_STATE		MAKE_SQLSTATE('2','2','G','0','4')
/* 22G05: fix arrays of different lengths (also from ingest_trip_points) */
#define ERRCODE_22G05_TRACK_LENGTHS		MAKE_SQLSTATE('2','2','G','0','5')
/* 23G02: trip not found (raised in SQL too, see below; in C by booking.trip_point_store) */
#define ERRCODE_23G02_TRIP_NOT_FOUND	MAKE_SQLSTATE('2','3','G','0','2')

/*
 * Raised from C by booking.payment_move_decide() (src/payment_moves.c), the
 * payment life cycle's check of a status move against the moves declared
 * in booking.payment_transition (also raised from SQL: see below):
 */
/* 23M02: payment change not allowed (a status move not declared, ...) */
#define ERRCODE_23M02_PAYMENT_CHANGE	MAKE_SQLSTATE('2','3','M','0','2')

/*
 * An overlap or a too short buffer is the standard 23P01
 * (ERRCODE_EXCLUSION_VIOLATION), as the exclusion constraint
 * booking_no_overlap raises it.
 *
 * Raised only from SQL and PL/pgSQL (RAISE ... USING ERRCODE), listed here
 * so that this header is the one index of our codes (files: the SQL
 * scripts under sql/, by name):
 *
 *	code	meaning									raised in sql/code/
 *	23K01	session is full							49_write_trigger.sql,
 *													47_book.sql
 *	23K02	capacity below the seats taken			50_session_triggers.sql
 *	23K03	idempotency key used for another		49_write_trigger.sql,
 *			request									47_book.sql
 *	23K04	client is not eligible					49_write_trigger.sql
 *	23K05	hold has expired						49_write_trigger.sql
 *	23K16	pickup or dropoff outside the org's		39_places.sql (called by
 *			service area (never overridden)			49_write_trigger.sql,
 *													47_book.sql)
 *	22K01	duration does not match the service		49_write_trigger.sql
 *	22K02	booking does not match its session		49_write_trigger.sql
 *	22K03	session is not open for booking			49_write_trigger.sql
 *	22K04	only a session booking can be			49_write_trigger.sql
 *			waitlisted
 *	22K05	hold expiry not in the future			49_write_trigger.sql
 *	22G05	fix arrays differ in length				61_tracking.sql
 *	23G01	lesson of a session seat or of a		61_tracking.sql
 *			service not tracked as a lesson
 *	23G02	trip not found (or not visible)			61_tracking.sql
 *	23G03	lesson is closed (cancelled, no-show)	61_tracking.sql
 *	23G04	lesson not started						61_tracking.sql
 *
 * Money (issue 17), the 23Mxx and 22Mxx blocks:
 *
 *	23M01	no price for the service				72_pricing.sql
 *	23M02	payment change not allowed (status		73_payments.sql,
 *			move, fixed amount, refund taken back)	74_webhooks.sql
 *	23M03	refund above the captured amount, or	73_payments.sql,
 *			of a payment not captured				74_webhooks.sql
 *	23M04	an issued invoice is immutable			75_invoices.sql
 *	23M05	webhook event's amount or currency		74_webhooks.sql,
 *			does not match							76_payouts.sql
 *	23M06	invoice lines do not sum to its amount	75_invoices.sql
 *	22M01	malformed webhook payload				74_webhooks.sql,
 *													76_payouts.sql
 *	22M02	webhook event for an unknown payment	74_webhooks.sql
 *
 * Caught in SQL (74_webhooks.sql): booking.webhook_apply() stores an event
 * whose application raised any of them (or another error) as failed, with
 * the SQLSTATE and message.
 * Messaging (issue 18), the 23N../22N.. family:
 *
 *	23N02	outbox event acknowledged or failed		86_messaging.sql
 *			that the claim does not hold (never
 *			claimed, re-claimed, lease expired)
 *	23N03	outbox event replayed that is not dead	86_messaging.sql
 *	22N01	outbox topic filter that can match no	86_messaging.sql
 *			topic
 *	23N04	message: another provider id for a		87_templates.sql
 *			sent message, or a report for an
 *			unknown provider id
 *	22N02	org setting notifications not as		86_messaging.sql
 *			documented; reminders or quiet_hours	88_reminders.sql
 *			not as documented
 *	22N03	template with an unknown key or			87_templates.sql
 *			placeholder, a malformed placeholder,
 *			or an e-mail template without a subject
 *	22N04	message address not valid for its		87_templates.sql
 *			channel (e-mail syntax, E.164)
 *
 * Caught in SQL (47_book.sql): booking.book() puts a request refused with
 * 23K01 on the waitlist when asked to; booking.book_first_available() tries
 * the next slot after 23P01, 23K13, 23K14 or 23K15 and starts again after
 * 23K03.  README.md lists every code for users.
 */

#endif							/* BOOKING_ERRCODES_H */
