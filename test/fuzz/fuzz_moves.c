/*
 * test/fuzz/fuzz_moves.c
 *		libFuzzer harness for the moves of src/core/rules.c (a life cycle
 *		declared as (from, to) moves, planned by rules_plan_move()).
 *
 * The input is read as pairs of bytes, each a move between two of up to
 * 16 states whose names are cut from a fixed alphabet (so that states
 * share prefixes and lengths); the first two bytes choose the states
 * planned from and to (one value names a state no move uses).  The
 * harness aborts when a plan disagrees with a naive reachability matrix
 * (Floyd-Warshall distances over the same moves):
 *
 *	 - STAY iff the two names are equal and known; UNKNOWN iff one is unknown;
 *	 - ALLOWED iff the move is declared, FORWARD iff reachable in two or more
 *	   steps, and then the path is a chain of declared moves from from to
 *	   to, as long as the shortest distance;
 *	 - BACKWARD iff only from is reachable from to, UNRELATED iff neither.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

#define CHECK(cond, what) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "fuzz_moves: invariant failed: %s (%s, line %d)\n", \
					(what), #cond, __LINE__); \
			abort(); \
		} \
	} while (0)

#define STATES	16
#define INF		100000

/* state k is alphabet[off[k] .. off[k] + len[k]) */
static const char alphabet[] = "pendingauthorizedsucceededfailedcancelled";
static const int off[STATES + 1] = {0, 0, 7, 17, 26, 32, 0, 1, 3, 7, 11, 17, 20, 26, 2, 40, 5};
static const int len[STATES + 1] = {7, 0, 10, 9, 6, 9, 1, 2, 4, 4, 6, 3, 6, 6, 0, 1, 2};

static int
state_index(int k)
{
	int			j;

	/* the first state with the same name (two indexes may spell one name) */
	for (j = 0; j < k; j++)
		if (len[j] == len[k] && memcmp(alphabet + off[j], alphabet + off[k], len[k]) == 0)
			return j;
	return k;
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	RuleMove	moves[RULES_MAX_MOVES];
	int			mf[RULES_MAX_MOVES],
				mt[RULES_MAX_MOVES];
	int			dist[STATES + 1][STATES + 1];
	bool		used[STATES + 1];
	RuleMovePlan p;
	int			n = 0,
				i,
				j,
				k,
				a,
				b;

	if (size < 2)
		return 0;
	a = state_index(data[0] % (STATES + 1));
	b = state_index(data[1] % (STATES + 1));
	data += 2;
	size -= 2;
	for (i = 0; i + 1 < (int) size && n < RULES_MAX_MOVES; i += 2)
	{
		/* state STATES (the last) is never used by a move */
		mf[n] = state_index(data[i] % STATES);
		mt[n] = state_index(data[i + 1] % STATES);
		moves[n].from = alphabet + off[mf[n]];
		moves[n].from_len = len[mf[n]];
		moves[n].to = alphabet + off[mt[n]];
		moves[n].to_len = len[mt[n]];
		n++;
	}

	memset(used, 0, sizeof(used));
	for (i = 0; i <= STATES; i++)
		for (j = 0; j <= STATES; j++)
			dist[i][j] = i == j ? 0 : INF;
	for (i = 0; i < n; i++)
	{
		used[mf[i]] = used[mt[i]] = true;
		if (mf[i] != mt[i])
			dist[mf[i]][mt[i]] = 1;
	}
	for (k = 0; k <= STATES; k++)
		for (i = 0; i <= STATES; i++)
			for (j = 0; j <= STATES; j++)
				if (dist[i][k] + dist[k][j] < dist[i][j])
					dist[i][j] = dist[i][k] + dist[k][j];

	memset(&p, 0x5a, sizeof(p));
	rules_plan_move(moves, n, alphabet + off[a], len[a], alphabet + off[b], len[b], &p);
	CHECK((int) p.kind >= 0 && (int) p.kind < RULE_MOVE_KIND_COUNT, "kind in range");
	CHECK(rules_move_kind_name(p.kind) != NULL, "kind has a name");
	if (!used[a] || !used[b])
	{
		CHECK(p.kind == RULE_MOVE_UNKNOWN, "unknown state");
		return 0;
	}
	if (a == b)
	{
		CHECK(p.kind == RULE_MOVE_STAY, "same state stays");
		return 0;
	}
	if (dist[a][b] < INF)
	{
		CHECK(p.kind == (dist[a][b] == 1 ? RULE_MOVE_ALLOWED : RULE_MOVE_FORWARD), "reachable: allowed or forward");
		CHECK(p.steps == dist[a][b], "the path is a shortest one");
		for (i = 0; i < p.steps; i++)
		{
			CHECK(p.path[i] >= 0 && p.path[i] < n, "path index in range");
			CHECK(mf[p.path[i]] == (i == 0 ? a : mt[p.path[i - 1]]), "path is a chain");
		}
		CHECK(mt[p.path[p.steps - 1]] == b, "path ends at to");
		return 0;
	}
	CHECK(p.kind == (dist[b][a] < INF ? RULE_MOVE_BACKWARD : RULE_MOVE_UNRELATED), "backward or unrelated");
	return 0;
}
