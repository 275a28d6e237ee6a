/*
 * test/fuzz/reader.h
 *		The byte reader of the libFuzzer harnesses in test/fuzz: takes the
 *		input one byte or a few big-endian bytes at a time, and gives zeros
 *		once the input is used up, so every input decodes to something.
 */
#ifndef BOOKING_FUZZ_READER_H
#define BOOKING_FUZZ_READER_H

#include <stddef.h>
#include <stdint.h>

typedef struct Reader
{
	const uint8_t *data;
	size_t		size;
	size_t		pos;
} Reader;

static inline uint8_t
take_u8(Reader *r)
{
	if (r->pos >= r->size)
		return 0;
	return r->data[r->pos++];
}

/* The next nbytes (at most 8) as one big-endian unsigned number. */
static inline uint64_t
take_u64(Reader *r, int nbytes)
{
	uint64_t	v = 0;
	int			i;

	for (i = 0; i < nbytes; i++)
		v = (v << 8) | take_u8(r);
	return v;
}

#endif							/* BOOKING_FUZZ_READER_H */
