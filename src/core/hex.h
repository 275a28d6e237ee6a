/*-------------------------------------------------------------------------
 *
 * src/core/hex.h
 *		The value of a hexadecimal digit, for the readers of uuids, JSON
 *		\u escapes and cursors (no PostgreSQL header: src/core and the glue
 *		both include it).
 *
 *-------------------------------------------------------------------------
 */
#ifndef BOOKING_CORE_HEX_H
#define BOOKING_CORE_HEX_H

/* 0 to 15 for '0'-'9', 'a'-'f' and 'A'-'F'; -1 for any other char. */
static inline int
core_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif							/* BOOKING_CORE_HEX_H */
