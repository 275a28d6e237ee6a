/*
 * test/fuzz/fuzz_bestfirst.c
 *		libFuzzer harness for src/core/bestfirst.c.
 *
 * The input bytes are decoded into a search space: up to 24 cells, each
 * with a bound (score, start, resource; scores may be negative, starts
 * extreme, resources with bytes on both sides of 0x7f), up to 12 slots per
 * cell at or above its bound (ties of score and start across resources
 * are frequent), and sometimes cells that add further cells when expanded;
 * then a sequence of page sizes.
 *
 * The harness aborts unless:
 *	 - the unpaged search returns every slot, sorted by key;
 *	 - the pages, each after the last key of the page before, concatenate
 *	   to exactly that list, each page at most its size and only the last
 *	   one short;
 *	 - the first k of a search limited to k are the first k of the list,
 *	   and no cell whose bound is after the k-th result was expanded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bestfirst.h"
#include "reader.h"

#define CHECK(cond, what) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "fuzz_bestfirst: %s\n", what); \
			abort(); \
		} \
	} while (0)

#define MAX_CELLS	32
#define MAX_SLOTS	12

typedef struct Cell
{
	BestKey		bound;
	BestSlot	slots[MAX_SLOTS];
	int			nslots;
	int			child;			/* a cell this one adds when expanded, or -1 */
	bool		initial;		/* added before the search */
	bool		expanded;
} Cell;

typedef struct Space
{
	Cell		cells[MAX_CELLS];
	int			ncells;
} Space;

static void *
fuzz_realloc(void *context, void *ptr, size_t size)
{
	(void) context;
	if (size == 0)
	{
		free(ptr);
		return NULL;
	}
	return realloc(ptr, size);
}

static BestError
expand(void *context, BestSearch *search, int64_t tag)
{
	Space	   *sp = context;
	Cell	   *c;
	int			i;
	BestError	err;

	CHECK(tag >= 0 && tag < sp->ncells, "tag out of range");
	c = &sp->cells[tag];
	CHECK(!c->expanded, "a cell expanded twice");
	c->expanded = true;
	for (i = 0; i < c->nslots; i++)
		if ((err = best_add_slot(search, &c->slots[i])) != BEST_OK)
			return err;
	if (c->child >= 0 && (err = best_add_cell(search, &sp->cells[c->child].bound, c->child)) != BEST_OK)
		return err;
	return BEST_OK;
}

static int
cmp_slot(const void *a, const void *b)
{
	return best_key_cmp(&((const BestSlot *) a)->key, &((const BestSlot *) b)->key);
}

/* One search over the space; results into out (cap), their count returned. */
static int
search(Space *sp, const BestKey *after, size_t limit, BestSlot *out, int cap)
{
	BestSearch	s;
	int			n = 0;
	int			i;
	bool		found;

	for (i = 0; i < sp->ncells; i++)
		sp->cells[i].expanded = false;
	CHECK(best_init(&s, fuzz_realloc, NULL, after, limit) == BEST_OK, "init");
	for (i = 0; i < sp->ncells; i++)
		if (sp->cells[i].initial)
			CHECK(best_add_cell(&s, &sp->cells[i].bound, i) == BEST_OK, "add cell");
	for (;;)
	{
		BestSlot	x;

		CHECK(best_next(&s, expand, sp, &x, &found) == BEST_OK, "a valid search failed");
		if (!found)
			break;
		CHECK(n < cap, "more results than slots");
		out[n++] = x;
	}
	best_free(&s);
	return n;
}

static int64_t
take_start(Reader *r)
{
	uint8_t		k = take_u8(r);

	if (k == 0xff)
		return INT64_MAX - (int64_t) take_u64(r, 1);
	if (k == 0xfe)
		return INT64_MIN + (int64_t) take_u64(r, 1);
	return (int64_t) (k % 16) * 900;	/* few distinct starts: ties */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static Space sp;
	static BestSlot all[MAX_CELLS * MAX_SLOTS];
	static BestSlot got[MAX_CELLS * MAX_SLOTS];
	Reader		r = {data, size, 0};
	int			nall = 0;
	int			i, j, n;
	int			used_keys;

	memset(&sp, 0, sizeof(sp));
	sp.ncells = 1 + take_u8(&r) % 24;
	for (i = 0; i < sp.ncells; i++)
	{
		Cell	   *c = &sp.cells[i];
		uint8_t		res = take_u8(&r);

		c->bound.score = (int32_t) (int8_t) take_u8(&r);
		c->bound.start = take_start(&r);
		c->bound.resource[0] = (uint8_t) (res & 0x81);
		c->bound.resource[15] = (uint8_t) i;	/* one resource per cell: distinct keys */
		c->nslots = take_u8(&r) % (MAX_SLOTS + 1);
		c->child = -1;
		c->initial = true;
		for (j = 0; j < c->nslots; j++)
		{
			BestSlot   *s = &c->slots[j];
			uint8_t		ds = take_u8(&r);
			int64_t		dt = (int64_t) (take_u8(&r) % 8) * 900;

			s->key = c->bound;
			/* at or above the bound: a higher score (any start), or the same score and a later start */
			if (ds % 3 == 0 && s->key.start <= INT64_MAX - dt)
				s->key.start += dt;
			else
				s->key.score += (int32_t) (ds % 7) + 1;
			s->end = s->key.start;
			s->resource_index = i;
			s->idle = j;
		}
	}
	/* some cells are added by another cell's expansion (with a bound >= its parent's) */
	for (i = 0; i < sp.ncells; i++)
	{
		uint8_t		p = take_u8(&r);

		if (p % 4 == 0 && i > 0)
		{
			int			parent = p % i;

			if (sp.cells[parent].child < 0 && sp.cells[parent].initial &&
				best_key_cmp(&sp.cells[i].bound, &sp.cells[parent].bound) >= 0)
			{
				sp.cells[parent].child = i;
				sp.cells[i].initial = false;
			}
		}
	}
	/* drop duplicate keys (same resource byte, start and score in one cell) */
	for (i = 0; i < sp.ncells; i++)
	{
		Cell	   *c = &sp.cells[i];
		int			m = 0;

		for (j = 0; j < c->nslots; j++)
		{
			int			k;
			bool		dup = false;

			for (k = 0; k < m; k++)
				if (best_key_cmp(&c->slots[k].key, &c->slots[j].key) == 0)
					dup = true;
			if (!dup)
				c->slots[m++] = c->slots[j];
		}
		c->nslots = m;
		for (j = 0; j < m; j++)
			all[nall++] = c->slots[j];
	}
	qsort(all, nall, sizeof(BestSlot), cmp_slot);
	for (used_keys = 1; used_keys < nall; used_keys++)
		CHECK(best_key_cmp(&all[used_keys - 1].key, &all[used_keys].key) < 0, "the space's keys are distinct");

	/* unpaged */
	n = search(&sp, NULL, 0, got, MAX_CELLS * MAX_SLOTS);
	CHECK(n == nall, "the unpaged search misses or repeats slots");
	for (i = 0; i < n; i++)
		CHECK(best_key_cmp(&got[i].key, &all[i].key) == 0 && got[i].idle == all[i].idle,
			  "the unpaged search is not the sorted list");

	/* pages */
	{
		int			total = 0;
		BestKey		after;
		bool		has_after = false;
		int			rounds = 0;

		while (rounds++ <= nall + 1)
		{
			size_t		page = 1 + take_u8(&r) % 9;

			n = search(&sp, has_after ? &after : NULL, page, got, MAX_CELLS * MAX_SLOTS);
			CHECK((size_t) n <= page, "a page longer than its size");
			CHECK(total + n <= nall, "pages return more than every slot");
			for (i = 0; i < n; i++)
				CHECK(best_key_cmp(&got[i].key, &all[total + i].key) == 0, "pages are not the sorted list");
			/* the first k and laziness */
			if (n > 0)
			{
				const BestKey *kth = &got[n - 1].key;

				for (i = 0; i < sp.ncells; i++)
					CHECK(!sp.cells[i].expanded || best_key_cmp(&sp.cells[i].bound, kth) <= 0 ||
						  (size_t) n < page,
						  "a cell whose bound is after the last result was expanded");
			}
			total += n;
			if ((size_t) n < page)
				break;
			after = got[n - 1].key;
			has_after = true;
		}
		CHECK(total == nall, "the pages do not concatenate to every slot");
	}
	return 0;
}
