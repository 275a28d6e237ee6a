/*
 * test/unit/test_bestfirst.c
 *		Unit tests of src/core/bestfirst.c, the paged best-first search of
 *		find_slots: the order, the results against a sort of everything,
 *		pages after a cursor, laziness (cells above the k-th result are not
 *		expanded), and the refusals.
 */
#include <stdlib.h>

#include "bestfirst.h"
#include "tap.h"

#define M	INT64_C(60000000)
#define D	(1440 * M)

static void *
test_realloc(void *context, void *ptr, size_t size)
{
	(void) context;
	if (size == 0)
	{
		free(ptr);
		return NULL;
	}
	return realloc(ptr, size);
}

static int	fail_after;			/* failing allocator: allocations left */

static void *
failing_realloc(void *context, void *ptr, size_t size)
{
	if (size > 0 && fail_after-- <= 0)
		return NULL;
	return test_realloc(context, ptr, size);
}

/*
 * A world of R resources and ND days; cell (r, d) holds NS slots at
 * pseudo-random grid starts of day d with scores 0..9 (many ties of score
 * and of start across resources).
 */
#define R	7
#define ND	5
#define NS	6

typedef struct World
{
	BestSlot	slots[R * ND * NS];
	int			nslots;
	int			cell_first[R * ND]; /* index of the cell's first slot */
	int			cell_n[R * ND];
	int			bad_cell;		/* this cell adds a slot below its bound (-1: none) */
	int			fail_cell;		/* this cell's expansion fails (-1: none) */
} World;

static uint32_t rng = 12345;

static uint32_t
next_rand(void)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 16) & 0x7fff;
}

static void
resource_id(uint8_t *id, int r)
{
	memset(id, 0, 16);
	/* ids whose order is not the order of r, with bytes above 0x7f */
	id[0] = (uint8_t) (0x90 - 0x20 * (r % 3));
	id[15] = (uint8_t) r;
}

static void
make_world(World *w, int zero_slots_day0)
{
	int			r, d, k;

	memset(w, 0, sizeof(*w));
	w->bad_cell = w->fail_cell = -1;
	for (r = 0; r < R; r++)
		for (d = 0; d < ND; d++)
		{
			int			cell = r * ND + d;
			int			used[96] = {0};

			w->cell_first[cell] = w->nslots;
			for (k = 0; k < NS; k++)
			{
				BestSlot   *s = &w->slots[w->nslots];
				int			g;

				do
					g = (int) (next_rand() % 40) + 32;
				while (used[g]);
				used[g] = 1;
				memset(s, 0, sizeof(*s));
				s->key.score = zero_slots_day0 && d == 0 ? 0 : (int32_t) (next_rand() % 10);
				s->key.start = d * D + g * 15 * M;
				resource_id(s->key.resource, r);
				s->end = s->key.start + 45 * M;
				s->resource_index = r;
				w->nslots++;
			}
			w->cell_n[cell] = NS;
		}
}

static BestKey
cell_bound(int cell)
{
	BestKey		k;

	memset(&k, 0, sizeof(k));
	k.score = 0;
	k.start = (cell % ND) * D;
	resource_id(k.resource, cell / ND);
	return k;
}

static BestError
expand_world(void *context, BestSearch *search, int64_t tag)
{
	World	   *w = context;
	int			i;
	BestError	err;

	if (tag == w->fail_cell)
		return BEST_ERR_CALLBACK;
	for (i = 0; i < w->cell_n[tag]; i++)
	{
		BestSlot	s = w->slots[w->cell_first[tag] + i];

		if (tag == w->bad_cell)
			s.key.score = -1;
		if ((err = best_add_slot(search, &s)) != BEST_OK)
			return err;
	}
	return BEST_OK;
}

static int
cmp_slot(const void *a, const void *b)
{
	return best_key_cmp(&((const BestSlot *) a)->key, &((const BestSlot *) b)->key);
}

/* Run one search; the results into out (at most cap), their count returned. */
static int
run(World *w, const BestKey *after, size_t limit, BestSlot *out, int cap, size_t *expanded,
	BestError *err_out)
{
	BestSearch	s;
	int			n = 0;
	int			c;
	BestError	err;
	bool		found;

	best_init(&s, test_realloc, NULL, after, limit);
	for (c = 0; c < R * ND; c++)
	{
		BestKey		b = cell_bound(c);

		best_add_cell(&s, &b, c);
	}
	for (;;)
	{
		BestSlot	x;

		err = best_next(&s, expand_world, w, &x, &found);
		if (err != BEST_OK || !found)
			break;
		if (n < cap)
			out[n] = x;
		n++;
	}
	if (expanded)
		*expanded = s.expanded;
	if (err_out)
		*err_out = err;
	best_free(&s);
	return n;
}

static bool
same_keys(const BestSlot *a, const BestSlot *b, int n)
{
	int			i;

	for (i = 0; i < n; i++)
		if (best_key_cmp(&a[i].key, &b[i].key) != 0 || a[i].resource_index != b[i].resource_index ||
			a[i].end != b[i].end)
			return false;
	return true;
}

int
main(void)
{
	static World w;
	static BestSlot sorted[R * ND * NS];
	static BestSlot got[R * ND * NS + 1];
	BestKey		a, b;
	size_t		expanded;
	BestError	err;
	int			n, page, k;

	/* the order */
	memset(&a, 0, sizeof(a));
	b = a;
	b.score = 1;
	a.start = 99;
	ok(best_key_cmp(&a, &b) < 0, "the score decides first");
	b.score = 0;
	b.start = 100;
	ok(best_key_cmp(&a, &b) < 0, "then the start");
	b.start = 99;
	a.resource[0] = 0x7f;
	b.resource[0] = 0x80;
	ok(best_key_cmp(&a, &b) < 0, "then the resource, as unsigned bytes (uuid order)");
	ok(best_key_cmp(&a, &a) == 0, "a key equals itself");
	b = a;
	a.score = -5;
	ok(best_key_cmp(&a, &b) < 0, "negative scores come first");

	/* everything, against a sort */
	make_world(&w, 0);
	memcpy(sorted, w.slots, sizeof(BestSlot) * w.nslots);
	qsort(sorted, w.nslots, sizeof(BestSlot), cmp_slot);
	for (k = 1; k < w.nslots; k++)
		if (best_key_cmp(&sorted[k - 1].key, &sorted[k].key) == 0)
			break;
	is_int(k, w.nslots, "the world's keys are distinct");
	for (k = 1; k < w.nslots; k++)
		if (sorted[k - 1].key.score == sorted[k].key.score && sorted[k - 1].key.start == sorted[k].key.start)
			break;
	ok(k < w.nslots, "the world has ties of score and start (decided by the resource)");
	n = run(&w, NULL, 0, got, w.nslots + 1, &expanded, &err);
	is_int(err, BEST_OK, "an unlimited search succeeds");
	is_int(n, w.nslots, "it returns every slot");
	ok(same_keys(got, sorted, w.nslots), "in the sorted order");
	is_int(expanded, R * ND, "having expanded every cell");

	/* the first k are the first k of the sort */
	for (k = 1; k <= 40; k += 13)
	{
		n = run(&w, NULL, k, got, w.nslots + 1, NULL, &err);
		ok(n == k && same_keys(got, sorted, k), "limit %d: the first %d of the sorted order", k, k);
	}

	/* pages after the last key of the page before concatenate to the sort */
	for (page = 1; page <= 8; page++)
	{
		BestKey		after;
		bool		has_after = false;
		int			total = 0;
		bool		same = true;

		for (;;)
		{
			BestSlot	p[8];

			n = run(&w, has_after ? &after : NULL, page, p, 8, NULL, &err);
			if (err != BEST_OK || n == 0)
				break;
			if (total + n > w.nslots || !same_keys(p, sorted + total, n))
				same = false;
			total += n;
			after = p[n - 1].key;
			has_after = true;
			if (!same)
				break;
		}
		ok(same && total == w.nslots, "pages of %d concatenate to the sorted list", page);
	}

	/* a cursor between keys, and after the last */
	a = sorted[10].key;
	a.resource[15]++;			/* not a key of the world, just after sorted[10] */
	n = run(&w, &a, 3, got, 3, NULL, &err);
	ok(n == 3 && same_keys(got, sorted + 11, 3), "a cursor that is no slot's key continues after it");
	n = run(&w, &sorted[w.nslots - 1].key, 5, got, 5, NULL, &err);
	ok(n == 0 && err == BEST_OK, "after the last key: nothing");

	/* laziness: day 0 holds score-0 slots, so the first 10 expand only day 0 */
	make_world(&w, 1);
	n = run(&w, NULL, 10, got, 10, &expanded, &err);
	is_int(n, 10, "ten results");
	ok(expanded <= R, "only the cells of the first day are expanded (%zu of %d)", expanded, R * ND);
	for (k = 0; k < 10; k++)
		if (got[k].key.score != 0 || got[k].key.start >= D)
			break;
	is_int(k, 10, "they are score-0 slots of the first day");

	/* refusals */
	make_world(&w, 0);
	w.bad_cell = 3;
	n = run(&w, NULL, 0, got, w.nslots + 1, NULL, &err);
	is_int(err, BEST_ERR_BOUND, "a slot below its cell's bound is refused");
	w.bad_cell = -1;
	w.fail_cell = 0;
	n = run(&w, NULL, 0, got, w.nslots + 1, NULL, &err);
	is_int(err, BEST_ERR_CALLBACK, "the callback's failure stops the search");
	{
		BestSearch	s;
		BestSlot	x;
		bool		found;
		BestKey		c0 = cell_bound(0);

		w.fail_cell = -1;
		best_init(&s, test_realloc, NULL, NULL, 0);
		best_add_cell(&s, &c0, 0);
		best_next(&s, expand_world, &w, &x, &found);
		ok(found, "a first result");
		is_int(best_add_slot(&s, &x), BEST_ERR_NOT_EXPANDING, "adding after a result outside an expansion is refused");
		is_int(best_add_cell(&s, &c0, 1), BEST_ERR_NOT_EXPANDING, "so is adding a cell");
		best_free(&s);

		is_int(best_init(NULL, test_realloc, NULL, NULL, 0), BEST_ERR_NULL_ARGUMENT, "no search: refused");
		is_int(best_init(&s, NULL, NULL, NULL, 0), BEST_ERR_NULL_ARGUMENT, "no allocator: refused");
		best_init(&s, test_realloc, NULL, NULL, 0);
		is_int(best_next(&s, NULL, NULL, &x, &found), BEST_ERR_NULL_ARGUMENT, "no callback: refused");
		is_int(best_next(&s, expand_world, &w, &x, &found), BEST_OK, "an empty search succeeds");
		ok(!found, "with nothing");
		best_free(&s);

		fail_after = 0;
		best_init(&s, failing_realloc, NULL, NULL, 0);
		is_int(best_add_cell(&s, &c0, 0), BEST_ERR_MEMORY, "an allocation that fails is BEST_ERR_MEMORY");
		best_free(&s);
	}
	ok(strcmp(best_error_message(BEST_ERR_BOUND), "an item was added below the bound of the cell being expanded") == 0,
	   "error messages are lowercase sentences");
	ok(strcmp(best_error_message((BestError) 99), "unknown best-first search error") == 0, "an unknown code has a message");
	return done_testing();
}
