/*
 * test/fuzz/fuzz_rules.c
 *		libFuzzer harness for src/core/rules.c.
 *
 * The first bytes of the input choose a context (times, roles, relations,
 * whether the system acts and a reason was given); the rest is split at
 * 0x00 bytes into up to four condition documents and used as time-bound
 * text too.  Every public function is called, and the harness aborts when
 * a result breaks an invariant:
 *
 *	 - a document that parses prints back (canonically) to a document that
 *	   parses to the same conditions;
 *	 - a bound that parses has a known anchor, an offset within the limit,
 *	   and its text parses to the same bound;
 *	 - an error has a status in range and a NUL-terminated message, and its
 *	   offset lies within the document;
 *	 - the decision agrees with rules_actor_matches() and rules_evaluate()
 *	   applied rule by rule, and its actor mask is that of the candidates.
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
			fprintf(stderr, "fuzz_rules: invariant failed: %s (%s, line %d)\n", \
					(what), #cond, __LINE__); \
			abort(); \
		} \
	} while (0)

#define MAX_RULES 4

static int64_t
take_i64(const uint8_t **p, size_t *n, int bytes)
{
	uint64_t	v = 0;
	int			i;

	for (i = 0; i < bytes; i++)
	{
		v = (v << 8) | (*n > 0 ? **p : 0);
		if (*n > 0)
		{
			(*p)++;
			(*n)--;
		}
	}
	return (int64_t) v;
}

/* Print conditions as a canonical document into buf. */
static size_t
print_conditions(const RuleConditions *c, char *buf, size_t size)
{
	size_t		n = 0;
	const char *sep = "";
	uint32_t	bit;

	n += snprintf(buf + n, size - n, "{");
	if (c->not_before.set)
	{
		n += snprintf(buf + n, size - n, "\"not_before\": \"%s%+lldm\"",
					  rules_anchor_name(c->not_before.anchor), (long long) c->not_before.offset_minutes);
		sep = ", ";
	}
	if (c->not_after.set)
	{
		n += snprintf(buf + n, size - n, "%s\"not_after\": \"%s%+lldm\"", sep,
					  rules_anchor_name(c->not_after.anchor), (long long) c->not_after.offset_minutes);
		sep = ", ";
	}
	if (c->reason_required)
	{
		n += snprintf(buf + n, size - n, "%s\"reason_required\": true", sep);
		sep = ", ";
	}
	if (c->relations)
	{
		const char *rsep = "";

		n += snprintf(buf + n, size - n, "%s\"relation\": [", sep);
		for (bit = 1; bit <= RULE_RELATION_RESOURCE; bit <<= 1)
			if (c->relations & bit)
			{
				n += snprintf(buf + n, size - n, "%s\"%s\"", rsep, rules_relation_name(bit));
				rsep = ", ";
			}
		n += snprintf(buf + n, size - n, "]");
	}
	n += snprintf(buf + n, size - n, "}");
	return n;
}

static int
same_bound(const RuleBound *a, const RuleBound *b)
{
	return a->set == b->set && (!a->set || (a->anchor == b->anchor && a->offset_minutes == b->offset_minutes));
}

static void
check_bound(const RuleBound *b)
{
	RuleBound	again;

	if (!b->set)
		return;
	CHECK(rules_anchor_name(b->anchor) != NULL, "bound anchor in range");
	CHECK(b->offset_minutes >= -RULES_MAX_OFFSET_MINUTES && b->offset_minutes <= RULES_MAX_OFFSET_MINUTES,
		  "bound offset within the limit");
	CHECK(strlen(b->text) < RULES_BOUND_TEXT, "bound text fits");
	memset(&again, 0, sizeof(again));
	CHECK(rules_parse_bound(b->text, strlen(b->text), &again), "bound text parses again");
	CHECK(same_bound(b, &again), "bound text parses to the same bound");
}

static void
check_document(const char *doc, size_t len, RuleConditions *out, int *parsed)
{
	RuleParseError e;
	RuleParseStatus st = rules_parse_conditions(doc, len, out, &e);

	*parsed = st == RULE_PARSE_OK;
	CHECK((int) st >= 0 && (int) st < RULE_PARSE_STATUS_COUNT, "status in range");
	CHECK(e.status == st, "error status equals the result");
	CHECK(memchr(e.message, '\0', sizeof(e.message)) != NULL, "message terminated");
	if (st != RULE_PARSE_OK)
	{
		CHECK(e.message[0] != '\0', "an error has a message");
		CHECK(e.offset <= len, "error offset within the document");
		return;
	}
	CHECK((out->relations & ~RULE_RELATION_ALL) == 0, "relation bits known");
	check_bound(&out->not_before);
	check_bound(&out->not_after);
	{
		char		buf[512];
		size_t		n = print_conditions(out, buf, sizeof(buf));
		RuleConditions again;

		CHECK(n < sizeof(buf), "canonical form fits");
		CHECK(rules_parse_conditions(buf, n, &again, NULL) == RULE_PARSE_OK, "canonical form parses");
		CHECK(same_bound(&out->not_before, &again.not_before) && same_bound(&out->not_after, &again.not_after)
			  && out->reason_required == again.reason_required && out->relations == again.relations,
			  "canonical form parses to the same conditions");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	RuleContext ctx;
	RuleCandidate rules[MAX_RULES];
	RuleConditions parsed[MAX_RULES];
	int			ok[MAX_RULES];
	int			nrules = 0;
	uint8_t		flags;
	const uint8_t *p = data;
	size_t		n = size;
	RuleDecision d;
	int			i;
	uint32_t	actors = 0;
	int			expect_rule = -1;
	int			first_failed = -1;
	int			any_match = 0;

	memset(&ctx, 0, sizeof(ctx));
	flags = (uint8_t) take_i64(&p, &n, 1);
	ctx.system = flags & 1;
	ctx.has_reason = (flags >> 1) & 1;
	ctx.relations = (flags >> 2) & 7;
	ctx.roles = (uint32_t) take_i64(&p, &n, 1);
	/* times: small offsets around a base, sometimes extreme */
	ctx.start = (flags & 0x20) ? take_i64(&p, &n, 8) : take_i64(&p, &n, 3) * INT64_C(60000000);
	ctx.end = rules_add_saturating(ctx.start, take_i64(&p, &n, 2) * INT64_C(60000000));
	ctx.created = rules_add_saturating(ctx.start, -take_i64(&p, &n, 2) * INT64_C(60000000));
	ctx.now = (flags & 0x40) ? take_i64(&p, &n, 8)
		: rules_add_saturating(ctx.start, (take_i64(&p, &n, 3) - 0x800000) * INT64_C(60000000));

	/* documents separated by NUL; each also tried as a bound */
	while (nrules < MAX_RULES && n > 0)
	{
		const uint8_t *z = memchr(p, 0, n);
		size_t		len = z ? (size_t) (z - p) : n;
		RuleBound	b;

		rules[nrules].actor = (RuleActor) (len > 0 ? p[0] % (RULE_ACTOR_COUNT + 1) : 0);
		rules[nrules].conditions = (const char *) p;
		rules[nrules].conditions_len = len;
		check_document((const char *) p, len, &parsed[nrules], &ok[nrules]);
		memset(&b, 0, sizeof(b));
		if (rules_parse_bound((const char *) p, len, &b))
			check_bound(&b);
		else
			CHECK(!b.set, "a failed bound leaves the output alone");
		nrules++;
		p += len;
		n -= len;
		if (n > 0)
		{
			p++;
			n--;
		}
	}

	/* the decision, against a rule-by-rule recomputation */
	rules_decide(rules, nrules, &ctx, &d);
	for (i = 0; i < nrules; i++)
		if ((int) rules[i].actor < RULE_ACTOR_COUNT)
			actors |= RULE_ACTOR_BIT(rules[i].actor);
	CHECK(d.actors == actors, "actor mask is that of the candidates");
	if (nrules == 0)
	{
		CHECK(d.kind == RULE_NO_RULE && d.rule == -1, "no candidate, no rule");
		return 0;
	}
	for (i = 0; i < nrules; i++)
	{
		if (!rules_actor_matches(rules[i].actor, &ctx))
			continue;
		any_match = 1;
		if (!ok[i])
		{
			CHECK(d.kind == RULE_BAD_CONDITIONS && d.rule == i, "first usable unparsable rule reported");
			return 0;
		}
		if (rules_evaluate(&parsed[i], &ctx, NULL) == RULE_FAIL_NONE)
		{
			expect_rule = i;
			break;
		}
		if (first_failed < 0)
			first_failed = i;
	}
	if (expect_rule >= 0)
		CHECK(d.kind == RULE_ALLOWED && d.rule == expect_rule, "first passing usable rule allows");
	else if (first_failed >= 0)
	{
		RuleVerdict v;

		CHECK(d.kind == RULE_CONDITION_FAILED && d.rule == first_failed, "first failing rule reported");
		rules_evaluate(&parsed[first_failed], &ctx, &v);
		CHECK(v.failure == d.verdict.failure && v.threshold == d.verdict.threshold,
			  "reported verdict is the rule's");
		CHECK(d.verdict.failure != RULE_FAIL_NONE, "a failure is named");
	}
	else
		CHECK(!any_match && d.kind == RULE_ROLE_MISSING, "nobody may: role missing");
	if (ctx.system)
		for (i = 0; i < nrules; i++)
			CHECK(rules_actor_matches(rules[i].actor, &ctx) == (rules[i].actor == RULE_ACTOR_SYSTEM),
				  "the system uses system rules only");
	return 0;
}
