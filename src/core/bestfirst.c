/*
 * src/core/bestfirst.c
 *		The paged best-first search (see bestfirst.h): a binary heap of
 *		cells and slots by key.
 */
#include <string.h>

#include "bestfirst.h"

int
best_key_cmp(const BestKey *a, const BestKey *b)
{
	if (a->score != b->score)
		return a->score < b->score ? -1 : 1;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return memcmp(a->resource, b->resource, sizeof(a->resource));
}

/* Heap order: by key, a cell before a slot of the same key. */
static int
item_cmp(const BestItem *a, const BestItem *b)
{
	int			c = best_key_cmp(&a->slot.key, &b->slot.key);

	if (c != 0)
		return c;
	return (int) b->is_cell - (int) a->is_cell;
}

const char *
best_error_message(BestError error)
{
	switch (error)
	{
		case BEST_OK:
			return "no error";
		case BEST_ERR_NULL_ARGUMENT:
			return "a required argument is null";
		case BEST_ERR_BOUND:
			return "an item was added below the bound of the cell being expanded";
		case BEST_ERR_NOT_EXPANDING:
			return "an item was added to a running search outside an expansion";
		case BEST_ERR_MEMORY:
			return "out of memory";
		case BEST_ERR_CALLBACK:
			return "the expansion failed";
	}
	return "unknown best-first search error";
}

BestError
best_init(BestSearch *search, BestReallocFunc realloc_fn, void *realloc_context,
		  const BestKey *after, size_t limit)
{
	if (search == NULL || realloc_fn == NULL)
		return BEST_ERR_NULL_ARGUMENT;
	memset(search, 0, sizeof(*search));
	search->realloc_fn = realloc_fn;
	search->realloc_context = realloc_context;
	if (after != NULL)
	{
		search->has_after = true;
		search->after = *after;
	}
	search->limit = limit;
	return BEST_OK;
}

static BestError
push(BestSearch *s, const BestItem *item)
{
	size_t		i;

	if (s->nheap == s->maxheap)
	{
		size_t		max = s->maxheap < 64 ? 64 : 2 * s->maxheap;
		BestItem   *heap;

		if (max > SIZE_MAX / sizeof(BestItem))
			return BEST_ERR_MEMORY;
		heap = s->realloc_fn(s->realloc_context, s->heap, max * sizeof(BestItem));
		if (heap == NULL)
			return BEST_ERR_MEMORY;
		s->heap = heap;
		s->maxheap = max;
	}
	/* sift up */
	i = s->nheap++;
	while (i > 0)
	{
		size_t		parent = (i - 1) / 2;

		if (item_cmp(&s->heap[parent], item) <= 0)
			break;
		s->heap[i] = s->heap[parent];
		i = parent;
	}
	s->heap[i] = *item;
	return BEST_OK;
}

static void
pop(BestSearch *s, BestItem *out)
{
	BestItem	last;
	size_t		i = 0;

	*out = s->heap[0];
	last = s->heap[--s->nheap];
	if (s->nheap == 0)
		return;
	/* sift down */
	for (;;)
	{
		size_t		child = 2 * i + 1;

		if (child >= s->nheap)
			break;
		if (child + 1 < s->nheap && item_cmp(&s->heap[child + 1], &s->heap[child]) < 0)
			child++;
		if (item_cmp(&last, &s->heap[child]) <= 0)
			break;
		s->heap[i] = s->heap[child];
		i = child;
	}
	s->heap[i] = last;
}

/* May an item with this key be added now? */
static BestError
may_add(const BestSearch *s, const BestKey *key)
{
	if (s->returned > 0 && !s->expanding)
		return BEST_ERR_NOT_EXPANDING;
	if (s->expanding && best_key_cmp(key, &s->expanding_bound) < 0)
		return BEST_ERR_BOUND;
	return BEST_OK;
}

BestError
best_add_cell(BestSearch *search, const BestKey *bound, int64_t tag)
{
	BestItem	item;
	BestError	err;

	if (search == NULL || bound == NULL)
		return BEST_ERR_NULL_ARGUMENT;
	if ((err = may_add(search, bound)) != BEST_OK)
		return err;
	memset(&item, 0, sizeof(item));
	item.slot.key = *bound;
	item.tag = tag;
	item.is_cell = true;
	return push(search, &item);
}

BestError
best_add_slot(BestSearch *search, const BestSlot *slot)
{
	BestItem	item;
	BestError	err;

	if (search == NULL || slot == NULL)
		return BEST_ERR_NULL_ARGUMENT;
	if ((err = may_add(search, &slot->key)) != BEST_OK)
		return err;
	if (search->has_after && best_key_cmp(&slot->key, &search->after) <= 0)
		return BEST_OK;
	memset(&item, 0, sizeof(item));
	item.slot = *slot;
	item.is_cell = false;
	return push(search, &item);
}

BestError
best_next(BestSearch *search, BestExpandFunc expand, void *context,
		  BestSlot *out, bool *found)
{
	if (search == NULL || expand == NULL || out == NULL || found == NULL)
		return BEST_ERR_NULL_ARGUMENT;
	*found = false;
	if (search->expanding)
		return BEST_ERR_NOT_EXPANDING;
	if (search->limit > 0 && search->returned >= search->limit)
		return BEST_OK;
	while (search->nheap > 0)
	{
		BestItem	top;
		BestError	err;

		pop(search, &top);
		if (!top.is_cell)
		{
			*out = top.slot;
			*found = true;
			search->returned++;
			return BEST_OK;
		}
		search->expanding = true;
		search->expanding_bound = top.slot.key;
		search->expanded++;
		err = expand(context, search, top.tag);
		search->expanding = false;
		if (err != BEST_OK)
			return err;
	}
	return BEST_OK;
}

void
best_free(BestSearch *search)
{
	if (search == NULL)
		return;
	if (search->heap != NULL)
		search->realloc_fn(search->realloc_context, search->heap, 0);
	search->heap = NULL;
	search->nheap = search->maxheap = 0;
}
