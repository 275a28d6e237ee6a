/*-------------------------------------------------------------------------
 *
 * src/core/bestfirst.h
 *		Pure C core of the paged best-first search of booking.find_slots():
 *		the first k slots in the order (score, start, resource) after a
 *		keyset cursor, found by expanding lazily only the parts of the
 *		search space that can hold them.
 *
 * THE ORDER
 *
 * A slot's key is (score, start, resource): the score (an int, any value
 * the glue computes; find_slots' is idle + travel minutes, so >= 0), the
 * start (int64 microseconds) and the resource's 16-byte id compared as
 * unsigned bytes (memcmp; PostgreSQL's uuid order).  Keys are compared
 * lexicographically; two slots of the search never have the same key (one
 * resource has one slot per start).
 *
 * CELLS
 *
 * The caller divides the search space into cells (find_slots: one per
 * resource and local day) and gives each a bound: a key that is <= the key
 * of every slot the cell holds (find_slots: score 0, the first instant of
 * the day inside the range, the resource).  The search keeps one priority
 * queue of cells and slots by key, a cell before a slot of equal key.  It
 * pops the least: a slot is the next result; a cell is expanded by the
 * caller's callback, which adds the cell's slots (and may add cells), each
 * with a key >= the popped cell's bound (else BEST_ERR_BOUND).  So a slot is
 * returned only when every cell whose bound is below its key has been
 * expanded: the results are exactly the sorted slots of all cells, and a
 * cell whose bound is above the k-th result is never expanded.  The work
 * grows with the number of results and the cells up to them, not with the
 * number of cells.
 *
 * PAGES
 *
 * With a cursor ("after"), slots whose key is <= the cursor are dropped as
 * they are added, so the results are the first limit slots after it, and
 * the pages of a search, each after the last key of the one before,
 * concatenate to the whole sorted list.
 *
 * MEMORY
 *
 * The queue grows through the caller's realloc-like function (glue:
 * repalloc; tests: realloc); a NULL result is BEST_ERR_MEMORY.  Nothing is
 * global; best_free() gives the memory back.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BOOKING_BESTFIRST_H
#define BOOKING_BESTFIRST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum BestError
{
	BEST_OK = 0,
	BEST_ERR_NULL_ARGUMENT,		/* a required pointer is NULL */
	BEST_ERR_BOUND,				/* an item added below the expanded cell's bound */
	BEST_ERR_NOT_EXPANDING,		/* an item added outside an expansion */
	BEST_ERR_MEMORY,			/* the realloc function returned NULL */
	BEST_ERR_CALLBACK			/* the expansion callback reported a failure */
} BestError;

/* A key of the order (see THE ORDER). */
typedef struct BestKey
{
	int32_t		score;
	int64_t		start;
	uint8_t		resource[16];
} BestKey;

/* A slot: its key and what the glue shows of it. */
typedef struct BestSlot
{
	BestKey		key;
	int64_t		end;
	int32_t		resource_index; /* the glue's */
	int32_t		travel_before;
	int32_t		travel_after;
	int32_t		idle;
	bool		figures;
} BestSlot;

/* Grow or allocate (ptr NULL) or free (size 0) memory. */
typedef void *(*BestReallocFunc) (void *context, void *ptr, size_t size);

typedef struct BestSearch BestSearch;

/*
 * Expand the cell with this tag (as given to best_add_cell): add its slots
 * and cells with best_add_slot() / best_add_cell().  Return BEST_OK, or any
 * other code to stop the search with that code.
 */
typedef BestError (*BestExpandFunc) (void *context, BestSearch *search,
									 int64_t tag);

/* One entry of the queue: a cell (is_cell) or a slot. */
typedef struct BestItem
{
	BestSlot	slot;			/* for a cell: slot.key is the bound */
	int64_t		tag;
	bool		is_cell;
} BestItem;

struct BestSearch
{
	BestItem   *heap;
	size_t		nheap;
	size_t		maxheap;
	BestReallocFunc realloc_fn;
	void	   *realloc_context;
	bool		has_after;
	BestKey		after;
	size_t		limit;			/* 0: no limit */
	size_t		returned;
	bool		expanding;		/* inside the callback */
	BestKey		expanding_bound;
	size_t		expanded;		/* cells expanded so far (for tests, benches) */
};

/*
 * best_key_cmp
 *		< 0, 0, > 0 as a is before, equal to or after b in the order.
 */
extern int	best_key_cmp(const BestKey *a, const BestKey *b);

/*
 * best_init
 *		Start a search: after (NULL: from the first) and at most limit
 *		results (0: all).  The search holds nothing until items are added.
 */
extern BestError best_init(BestSearch *search, BestReallocFunc realloc_fn,
						   void *realloc_context, const BestKey *after,
						   size_t limit);

/*
 * best_add_cell
 *		Add a cell with its bound and the caller's tag.  Before the first
 *		best_next() any bound is allowed; during an expansion the bound must
 *		be >= the expanded cell's.
 */
extern BestError best_add_cell(BestSearch *search, const BestKey *bound,
							   int64_t tag);

/*
 * best_add_slot
 *		Add a slot (before the first best_next(), or during an expansion
 *		with a key >= the expanded cell's bound).  A slot at or before the
 *		cursor is dropped.
 */
extern BestError best_add_slot(BestSearch *search, const BestSlot *slot);

/*
 * best_next
 *		The next result into *out (*found true), expanding cells with
 *		expand as needed; *found false when the limit is reached or nothing
 *		is left.
 */
extern BestError best_next(BestSearch *search, BestExpandFunc expand,
						   void *context, BestSlot *out, bool *found);

/* best_free: give the queue's memory back (the search may be reused after best_init). */
extern void best_free(BestSearch *search);

/* best_error_message: lowercase text of a code, never NULL. */
extern const char *best_error_message(BestError error);

#endif							/* BOOKING_BESTFIRST_H */
