/*
 * src/booking.c
 *		Module entry point of the booking extension.
 */
#include "postgres.h"

#include "fmgr.h"

#include "booking.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * Module load callback: define the extension's configuration parameters.
 */
void
_PG_init(void)
{
	/* before booking_identity_init() reserves the "booking" prefix */
	booking_lifecycle_init();
	booking_solver_init();
	booking_identity_init();
}
