/*
 * test/unit/test_moves.c
 *		Unit tests of the moves of src/core/rules.c: a life cycle declared as
 *		(from, to) moves (the payment statuses of booking.payment_transition)
 *		and the plan from one state to another.
 */
#include <stdlib.h>

#include "rules.h"
#include "tap.h"

#define MV(f, t) {f, sizeof(f) - 1, t, sizeof(t) - 1}

/* The shipped payment life cycle, in the order of the update script. */
static const RuleMove payment[] = {
	MV("pending", "authorized"),
	MV("pending", "succeeded"),
	MV("pending", "failed"),
	MV("pending", "cancelled"),
	MV("authorized", "succeeded"),
	MV("authorized", "failed"),
	MV("authorized", "cancelled"),
	MV("failed", "succeeded"),
	MV("failed", "cancelled"),
	MV("succeeded", "partially_refunded"),
	MV("succeeded", "refunded"),
	MV("partially_refunded", "refunded"),
};

#define NPAY ((int) (sizeof(payment) / sizeof(payment[0])))

static RuleMovePlan
plan(const RuleMove *m, int n, const char *from, const char *to)
{
	RuleMovePlan p;

	memset(&p, 0x7f, sizeof(p));
	rules_plan_move(m, n, from, from ? strlen(from) : 0, to, to ? strlen(to) : 0, &p);
	return p;
}

static void
test_names(void)
{
	is_str(rules_move_kind_name(RULE_MOVE_ALLOWED), "allowed", "kind name allowed");
	is_str(rules_move_kind_name(RULE_MOVE_BACKWARD), "backward", "kind name backward");
	is_str(rules_move_kind_name(RULE_MOVE_TOO_MANY), "too_many", "kind name too_many");
	ok(rules_move_kind_name((RuleMoveKind) RULE_MOVE_KIND_COUNT) == NULL, "no name past the last kind");
	ok(rules_move_kind_name((RuleMoveKind) -1) == NULL, "no name before the first kind");
}

/* Every declared move is allowed and nothing else is. */
static void
test_declared(void)
{
	static const char *const st[] = {"pending", "authorized", "succeeded", "failed", "cancelled",
	"partially_refunded", "refunded"};
	int			i,
				j,
				k,
				allowed = 0,
				wrong = 0;

	for (i = 0; i < 7; i++)
		for (j = 0; j < 7; j++)
		{
			RuleMovePlan p = plan(payment, NPAY, st[i], st[j]);
			int			declared = -1;

			for (k = 0; k < NPAY; k++)
				if (strcmp(payment[k].from, st[i]) == 0 && strcmp(payment[k].to, st[j]) == 0)
					declared = k;
			if ((p.kind == RULE_MOVE_ALLOWED) != (declared >= 0))
				wrong++;
			if (p.kind == RULE_MOVE_ALLOWED)
			{
				allowed++;
				if (p.steps != 1 || p.path[0] != declared)
					wrong++;
			}
			if (i == j && p.kind != RULE_MOVE_STAY)
				wrong++;
		}
	is_int(allowed, NPAY, "exactly the %d declared moves are allowed", NPAY);
	is_int(wrong, 0, "each allowed plan is the one declared move; a state to itself stays");
}

static void
test_kinds(void)
{
	RuleMovePlan p;

	p = plan(payment, NPAY, "pending", "succeeded");
	is_int(p.kind, RULE_MOVE_ALLOWED, "pending -> succeeded is allowed");
	is_int(p.steps, 1, "in one step");
	is_int(p.path[0], 1, "the second declared move");

	p = plan(payment, NPAY, "pending", "refunded");
	is_int(p.kind, RULE_MOVE_FORWARD, "pending -> refunded is forward (a refund before the success)");
	is_int(p.steps, 2, "through one state");
	is_int(p.path[0], 1, "first pending -> succeeded");
	is_int(p.path[1], 10, "then succeeded -> refunded");

	p = plan(payment, NPAY, "authorized", "partially_refunded");
	is_int(p.kind, RULE_MOVE_FORWARD, "authorized -> partially_refunded is forward");
	is_int(p.steps, 2, "two moves");
	is_int(p.path[0], 4, "authorized -> succeeded");
	is_int(p.path[1], 9, "succeeded -> partially_refunded");

	p = plan(payment, NPAY, "refunded", "succeeded");
	is_int(p.kind, RULE_MOVE_BACKWARD, "an old success after a refund is backward");
	is_int(p.steps, 0, "and has no path");
	is_int(plan(payment, NPAY, "succeeded", "failed").kind, RULE_MOVE_BACKWARD, "a failure after a success is backward");
	is_int(plan(payment, NPAY, "succeeded", "authorized").kind, RULE_MOVE_BACKWARD, "an authorization after a success is backward");
	is_int(plan(payment, NPAY, "cancelled", "failed").kind, RULE_MOVE_BACKWARD, "a failure after a cancellation is backward");
	is_int(plan(payment, NPAY, "partially_refunded", "succeeded").kind, RULE_MOVE_BACKWARD, "a success after a part refund is backward");

	is_int(plan(payment, NPAY, "cancelled", "succeeded").kind, RULE_MOVE_UNRELATED, "a success of a cancelled payment is unrelated");
	is_int(plan(payment, NPAY, "succeeded", "cancelled").kind, RULE_MOVE_UNRELATED, "a cancellation of a captured payment is unrelated");
	is_int(plan(payment, NPAY, "cancelled", "refunded").kind, RULE_MOVE_UNRELATED, "a refund of a cancelled payment is unrelated");

	is_int(plan(payment, NPAY, "pending", "lost").kind, RULE_MOVE_UNKNOWN, "a state no move names is unknown");
	is_int(plan(payment, NPAY, "Pending", "succeeded").kind, RULE_MOVE_UNKNOWN, "names are compared as bytes");
	is_int(plan(payment, NPAY, "pending", "pending").kind, RULE_MOVE_STAY, "a state to itself stays");
	is_int(plan(payment, 0, "pending", "succeeded").kind, RULE_MOVE_UNKNOWN, "no moves: every state unknown");
}

static void
test_shapes(void)
{
	static const RuleMove cycle[] = {MV("a", "b"), MV("b", "c"), MV("c", "a")};
	static const RuleMove two_ways[] = {MV("a", "x"), MV("x", "d"), MV("a", "b"), MV("b", "c"), MV("c", "d"), MV("a", "d")};
	static const RuleMove dup[] = {MV("a", "b"), MV("a", "b")};
	static const RuleMove empty_names[] = {MV("", "b")};
	RuleMove	many[RULES_MAX_MOVES + 1];
	RuleMove	nulls[1];
	RuleMovePlan p;
	char		names[RULES_MAX_MOVES + 2][16];
	int			i;

	p = plan(cycle, 3, "a", "c");
	is_int(p.kind, RULE_MOVE_FORWARD, "a cycle: forward");
	is_int(p.steps, 2, "a cycle: two steps");
	p = plan(cycle, 3, "c", "b");
	is_int(p.kind, RULE_MOVE_FORWARD, "a cycle: forward round the back, never backward");

	p = plan(two_ways, 6, "a", "d");
	is_int(p.kind, RULE_MOVE_ALLOWED, "a direct move beats longer ways");
	is_int(p.path[0], 5, "the direct move");
	p = plan(two_ways, 5, "a", "d");
	is_int(p.steps, 2, "without it, the shortest way");
	is_int(p.path[0], 0, "the first shortest in array order");
	is_int(p.path[1], 1, "through x");

	p = plan(dup, 2, "a", "b");
	is_int(p.path[0], 0, "a move declared twice: the first");
	is_int(plan(empty_names, 1, "", "b").kind, RULE_MOVE_ALLOWED, "an empty name is a name");
	is_int(plan(empty_names, 1, NULL, "b").kind, RULE_MOVE_ALLOWED, "NULL with length 0 is the empty name");

	/* a chain of RULES_MAX_MOVES moves: s0 -> s1 -> ... */
	for (i = 0; i <= RULES_MAX_MOVES + 1; i++)
		snprintf(names[i], sizeof(names[i]), "s%d", i);
	for (i = 0; i <= RULES_MAX_MOVES; i++)
	{
		many[i].from = names[i];
		many[i].from_len = strlen(names[i]);
		many[i].to = names[i + 1];
		many[i].to_len = strlen(names[i + 1]);
	}
	p = plan(many, RULES_MAX_MOVES, "s0", names[RULES_MAX_MOVES]);
	is_int(p.kind, RULE_MOVE_FORWARD, "the longest chain is planned");
	is_int(p.steps, RULES_MAX_MOVES, "through every move");
	is_int(p.path[RULES_MAX_MOVES - 1], RULES_MAX_MOVES - 1, "ending with the last");
	is_int(plan(many, RULES_MAX_MOVES, names[RULES_MAX_MOVES], "s0").kind, RULE_MOVE_BACKWARD, "and backwards");
	is_int(plan(many, RULES_MAX_MOVES + 1, "s0", "s1").kind, RULE_MOVE_TOO_MANY, "one move more is refused");
	is_int(plan(many, -1, "s0", "s1").kind, RULE_MOVE_TOO_MANY, "a negative count is refused");
	is_int(plan(NULL, 1, "s0", "s1").kind, RULE_MOVE_TOO_MANY, "NULL moves are refused");
	nulls[0].from = NULL;
	nulls[0].from_len = 3;
	nulls[0].to = "b";
	nulls[0].to_len = 1;
	is_int(plan(nulls, 1, "a", "b").kind, RULE_MOVE_TOO_MANY, "a NULL name with a length is refused");
	rules_plan_move(payment, NPAY, "pending", 7, "succeeded", 9, NULL);
	ok(1, "a NULL plan is ignored");
}

int
main(void)
{
	test_names();
	test_declared();
	test_kinds();
	test_shapes();
	return done_testing();
}
