/*
 * test/unit/test_rules.c
 *		Unit tests of src/core/rules.c, the pure C core of the booking life
 *		cycle: time bounds, condition documents, evaluation and the decision
 *		among rules.
 *
 * Times are in microseconds from an arbitrary epoch; H and M are an hour
 * and a minute, so expected thresholds are written as sums by hand.
 */
#include <stdlib.h>

#include "rules.h"
#include "tap.h"

#define M	INT64_C(60000000)
#define H	(60 * M)
#define D	(24 * H)

/* The default rules of README: a booking starting at T0, ending at T0 + 1 h. */
#define T0	(INT64_C(1000) * D)

static RuleContext
ctx_at(int64_t now)
{
	RuleContext c;

	memset(&c, 0, sizeof(c));
	c.now = now;
	c.start = T0;
	c.end = T0 + H;
	c.created = T0 - 10 * D;
	return c;
}

static RuleContext
ctx_user(int64_t now, RuleActor role)
{
	RuleContext c = ctx_at(now);

	c.roles = RULE_ACTOR_BIT(role);
	return c;
}

static RuleParseStatus
parse(const char *json, RuleConditions *c, RuleParseError *e)
{
	return rules_parse_conditions(json, strlen(json), c, e);
}

static void
test_names(void)
{
	int			i;

	for (i = 0; i < RULE_ACTOR_COUNT; i++)
	{
		const char *n = rules_actor_name((RuleActor) i);

		is_int(rules_actor_from_name(n, strlen(n)), i, "actor name %s round-trips", n);
	}
	ok(rules_actor_name((RuleActor) RULE_ACTOR_COUNT) == NULL, "no name past the last actor");
	ok(rules_actor_name((RuleActor) -1) == NULL, "no name before the first actor");
	is_int(rules_actor_from_name("teacher", 7), -1, "unknown actor name");
	is_int(rules_actor_from_name("own", 3), -1, "a prefix is not a name");
	is_int(rules_actor_from_name("owners", 6), -1, "an extension is not a name");
	is_int(rules_actor_from_name(NULL, 0), -1, "NULL name");
	is_str(rules_actor_name(RULE_ACTOR_SYSTEM), "system", "system is the last actor");
	is_str(rules_relation_name(RULE_RELATION_GUARDIAN), "guardian", "relation names");
	ok(rules_relation_name(3) == NULL, "no name for two relations at once");
	is_str(rules_anchor_name(RULE_ANCHOR_CREATED), "created", "anchor names");
	ok(rules_anchor_name((RuleAnchor) 3) == NULL, "no anchor past created");
}

static void
check_bound(const char *text, RuleAnchor anchor, int64_t minutes)
{
	RuleBound	b;

	memset(&b, 0, sizeof(b));
	if (!ok(rules_parse_bound(text, strlen(text), &b), "bound \"%s\" parses", text))
		return;
	ok(b.set && b.anchor == anchor && b.offset_minutes == minutes,
	   "bound \"%s\" is %s %+lld min", text, rules_anchor_name(anchor), (long long) minutes);
	is_str(b.text, text, "bound \"%s\" keeps its text", text);
}

static void
test_bounds(void)
{
	static const char *const bad[] = {
		"", " ", "begin", "Start", "start-", "start-h", "start 24h", "start-24",
		"start-24x", "start-24hh", "start--24h", "start-2 4h", "start+15m+1m",
		"start-24h!", "+24h", "24h", "starts-1h", "start-12345678m",
		"start-3651d", "created+5256001m", "start-1.5h", "start-0x10m",
		"start-24h                                    x"
	};
	RuleBound	b;
	size_t		i;

	check_bound("start", RULE_ANCHOR_START, 0);
	check_bound("end", RULE_ANCHOR_END, 0);
	check_bound("created", RULE_ANCHOR_CREATED, 0);
	check_bound("start-24h", RULE_ANCHOR_START, -1440);
	check_bound("start+15m", RULE_ANCHOR_START, 15);
	check_bound("end + 1 hour", RULE_ANCHOR_END, 60);
	check_bound(" start - 2 days ", RULE_ANCHOR_START, -2880);
	check_bound("created+30min", RULE_ANCHOR_CREATED, 30);
	check_bound("start-1minute", RULE_ANCHOR_START, -1);
	check_bound("start+0m", RULE_ANCHOR_START, 0);
	check_bound("start-3650d", RULE_ANCHOR_START, -RULES_MAX_OFFSET_MINUTES);
	check_bound("end+5256000m", RULE_ANCHOR_END, RULES_MAX_OFFSET_MINUTES);
	check_bound("start\t-\t1\th", RULE_ANCHOR_START, -60);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
	{
		memset(&b, 0, sizeof(b));
		ok(!rules_parse_bound(bad[i], strlen(bad[i]), &b) && !b.set,
		   "\"%s\" is not a bound and leaves the output alone", bad[i]);
	}
	ok(!rules_parse_bound("start", 0, &b), "an empty length is not a bound");
	ok(!rules_parse_bound(NULL, 5, &b), "NULL text");
	ok(!rules_parse_bound("start-24h", 5, &b) || b.offset_minutes == 0,
	   "only len bytes are read");
	ok(rules_parse_bound("start-24hXYZ", 9, &b) && b.offset_minutes == -1440,
	   "bytes past len are not read");
}

static void
test_documents(void)
{
	RuleConditions c;
	RuleParseError e;

	is_int(parse("{}", &c, &e), RULE_PARSE_OK, "the empty object");
	ok(!c.not_before.set && !c.not_after.set && !c.reason_required && c.relations == 0,
	   "the empty object has no condition");
	is_int(parse(" \n{ }\t", &c, &e), RULE_PARSE_OK, "white space around and inside");

	is_int(parse("{\"not_after\": \"start-24h\", \"reason_required\": true, \"relation\": [\"client\", \"guardian\"]}",
				 &c, &e), RULE_PARSE_OK, "a full document");
	ok(c.not_after.set && c.not_after.anchor == RULE_ANCHOR_START && c.not_after.offset_minutes == -1440,
	   "its not_after");
	ok(!c.not_before.set, "no not_before");
	ok(c.reason_required, "reason required");
	is_int(c.relations, RULE_RELATION_CLIENT | RULE_RELATION_GUARDIAN, "relations client and guardian");

	is_int(parse("{\"not_before\":\"start+15m\",\"reason_required\":false,\"relation\":[\"resource\",\"resource\"]}",
				 &c, &e), RULE_PARSE_OK, "compact jsonb output");
	ok(c.not_before.set && c.not_before.offset_minutes == 15 && !c.reason_required
	   && c.relations == RULE_RELATION_RESOURCE, "its values (a repeated relation counts once)");

	is_int(parse("{\"not_before\": \"\\u0073tart\"}", &c, &e), RULE_PARSE_OK, "a \\u escape in a value");
	ok(c.not_before.anchor == RULE_ANCHOR_START, "decodes to start");

	/* errors, each with its status and a message naming the problem */
	is_int(parse("", &c, &e), RULE_PARSE_SYNTAX, "empty text");
	is_int(parse("   ", &c, &e), RULE_PARSE_SYNTAX, "blank text");
	is_int(parse("not json", &c, &e), RULE_PARSE_SYNTAX, "not JSON");
	is_int(parse("[]", &c, &e), RULE_PARSE_NOT_OBJECT, "an array");
	is_int(parse("\"start\"", &c, &e), RULE_PARSE_NOT_OBJECT, "a string");
	is_int(parse("42", &c, &e), RULE_PARSE_NOT_OBJECT, "a number");
	is_int(parse("null", &c, &e), RULE_PARSE_NOT_OBJECT, "null");
	is_int(parse("{", &c, &e), RULE_PARSE_SYNTAX, "an open object");
	is_int(parse("{\"not_after\": \"start\"", &c, &e), RULE_PARSE_SYNTAX, "no closing brace");
	is_int(parse("{\"not_after\": \"start\",}", &c, &e), RULE_PARSE_SYNTAX, "a trailing comma");
	is_int(parse("{} {}", &c, &e), RULE_PARSE_SYNTAX, "two objects");
	is_int(e.offset, 3, "offset of the second object");
	is_int(parse("{not_after: \"start\"}", &c, &e), RULE_PARSE_SYNTAX, "an unquoted key");
	is_int(parse("{\"not_after\" \"start\"}", &c, &e), RULE_PARSE_SYNTAX, "no colon");
	is_int(parse("{\"not_after\": \"sta", &c, &e), RULE_PARSE_SYNTAX, "an unterminated string");
	is_int(parse("{\"not_after\": \"st\\xrt\"}", &c, &e), RULE_PARSE_SYNTAX, "a bad escape");
	is_int(parse("{\"not_after\": \"st\\u00\"}", &c, &e), RULE_PARSE_SYNTAX, "a short \\u escape");
	is_int(parse("{\"not_after\": \"st\nart\"}", &c, &e), RULE_PARSE_SYNTAX, "a raw newline in a string");

	is_int(parse("{\"not_afterr\": \"start\"}", &c, &e), RULE_PARSE_UNKNOWN_KEY, "a misspelt key");
	ok(strstr(e.message, "not_afterr") != NULL, "the message names it: %s", e.message);
	is_int(e.offset, 1, "at the key");
	is_int(parse("{\"a_key_much_longer_than_thirty_two_bytes_is_unknown\": 1}", &c, &e),
		   RULE_PARSE_UNKNOWN_KEY, "a long unknown key");
	ok(strstr(e.message, "...") != NULL, "shown shortened: %s", e.message);
	is_int(parse("{\"reason_required\": true, \"reason_required\": false}", &c, &e),
		   RULE_PARSE_DUPLICATE_KEY, "a repeated key");

	is_int(parse("{\"not_after\": 24}", &c, &e), RULE_PARSE_BAD_VALUE, "a number as bound");
	ok(strstr(e.message, "not_after") != NULL, "the message names the key: %s", e.message);
	is_int(parse("{\"not_before\": \"tomorrow\"}", &c, &e), RULE_PARSE_BAD_VALUE, "a bound that does not parse");
	is_int(e.offset, 15, "at the value");
	is_int(parse("{\"not_before\": \"start-3651d\"}", &c, &e), RULE_PARSE_BAD_VALUE, "an offset too large");
	is_int(parse("{\"not_before\": \"start-24h and then some more words that overflow\"}", &c, &e),
		   RULE_PARSE_BAD_VALUE, "a bound text too long");
	is_int(parse("{\"reason_required\": \"yes\"}", &c, &e), RULE_PARSE_BAD_VALUE, "a string as boolean");
	is_int(parse("{\"reason_required\": tru}", &c, &e), RULE_PARSE_BAD_VALUE, "a broken literal");
	is_int(parse("{\"relation\": \"client\"}", &c, &e), RULE_PARSE_BAD_VALUE, "a relation not in an array");
	is_int(parse("{\"relation\": []}", &c, &e), RULE_PARSE_BAD_VALUE, "no relation");
	is_int(parse("{\"relation\": [\"parent\"]}", &c, &e), RULE_PARSE_BAD_VALUE, "an unknown relation");
	ok(strstr(e.message, "parent") != NULL, "the message names it: %s", e.message);
	is_int(parse("{\"relation\": [\"client\" \"guardian\"]}", &c, &e), RULE_PARSE_SYNTAX, "no comma between relations");
	is_int(parse("{\"relation\": [\"client\", 1]}", &c, &e), RULE_PARSE_BAD_VALUE, "a number among relations");

	is_int(rules_parse_conditions(NULL, 0, &c, &e), RULE_PARSE_NULL_ARGUMENT, "NULL document");
	is_int(rules_parse_conditions("{}", 2, NULL, &e), RULE_PARSE_NULL_ARGUMENT, "NULL output");
	is_int(rules_parse_conditions("{}", RULES_MAX_DOCUMENT + 1, &c, &e), RULE_PARSE_TOO_LONG, "too long");
	is_int(rules_parse_conditions("{}xyz", 2, &c, NULL), RULE_PARSE_OK, "only len bytes, and no error output needed");
	is_int(rules_parse_conditions("{\"relation\": [\"client\"]}", 10, &c, NULL), RULE_PARSE_SYNTAX,
		   "a document cut short");
}

static void
test_evaluate(void)
{
	RuleConditions c;
	RuleVerdict v;
	RuleContext x;

	/* student may cancel until 24 h before start */
	parse("{\"not_after\": \"start-24h\"}", &c, NULL);
	x = ctx_user(T0 - 25 * H, RULE_ACTOR_STUDENT);
	is_int(rules_evaluate(&c, &x, &v), RULE_FAIL_NONE, "25 h before start: allowed");
	x.now = T0 - 24 * H;
	is_int(rules_evaluate(&c, &x, &v), RULE_FAIL_NONE, "exactly 24 h before: allowed (inclusive)");
	x.now = T0 - 24 * H + 1;
	is_int(rules_evaluate(&c, &x, &v), RULE_FAIL_TOO_LATE, "a microsecond later: too late");
	is_int(v.threshold, T0 - 24 * H, "threshold is start - 24 h");

	/* no_show only after start + 15 min */
	parse("{\"not_before\": \"start+15m\"}", &c, NULL);
	x.now = T0 + 14 * M;
	is_int(rules_evaluate(&c, &x, &v), RULE_FAIL_TOO_EARLY, "14 min after start: too early");
	is_int(v.threshold, T0 + 15 * M, "threshold is start + 15 min");
	x.now = T0 + 15 * M;
	is_int(rules_evaluate(&c, &x, NULL), RULE_FAIL_NONE, "15 min after start: allowed (inclusive)");

	/* complete only after start; auto-complete after the end; expiry after creation */
	parse("{\"not_before\": \"end+1h\", \"not_after\": \"end+2h\"}", &c, NULL);
	x.now = T0 + H + 90 * M;
	is_int(rules_evaluate(&c, &x, NULL), RULE_FAIL_NONE, "inside a window measured from the end");
	x.now = T0 + H + 121 * M;
	is_int(rules_evaluate(&c, &x, &v), RULE_FAIL_TOO_LATE, "after the window");
	is_int(v.threshold, T0 + 3 * H, "its end");
	parse("{\"not_before\": \"created+30m\"}", &c, NULL);
	x.now = T0 - 10 * D + 29 * M;
	is_int(rules_evaluate(&c, &x, &v), RULE_FAIL_TOO_EARLY, "anchored at creation");
	is_int(v.threshold, T0 - 10 * D + 30 * M, "creation + 30 min");

	/* reason */
	parse("{\"reason_required\": true, \"not_after\": \"start\"}", &c, NULL);
	x.now = T0 + H;				/* also too late: reason is checked first */
	is_int(rules_evaluate(&c, &x, &v), RULE_FAIL_REASON, "no reason: the reason fails first");
	x.has_reason = true;
	is_int(rules_evaluate(&c, &x, &v), RULE_FAIL_TOO_LATE, "with a reason, the time fails");

	/* relation */
	parse("{\"relation\": [\"client\", \"guardian\"], \"reason_required\": true}", &c, NULL);
	x = ctx_user(T0, RULE_ACTOR_STUDENT);
	is_int(rules_evaluate(&c, &x, &v), RULE_FAIL_RELATION, "no relation: the relation fails first");
	is_int(v.relations, RULE_RELATION_CLIENT | RULE_RELATION_GUARDIAN, "the verdict names the required relations");
	x.relations = RULE_RELATION_RESOURCE;
	is_int(rules_evaluate(&c, &x, NULL), RULE_FAIL_RELATION, "another relation does not help");
	x.relations = RULE_RELATION_GUARDIAN | RULE_RELATION_RESOURCE;
	is_int(rules_evaluate(&c, &x, NULL), RULE_FAIL_REASON, "one of the relations is enough");
	x.system = true;
	is_int(rules_evaluate(&c, &x, NULL), RULE_FAIL_RELATION, "the system has no relation");

	/* saturation: infinite times stay ordered */
	parse("{\"not_before\": \"start-3650d\", \"not_after\": \"end+3650d\"}", &c, NULL);
	x = ctx_at(0);
	x.start = INT64_MIN;
	x.end = INT64_MAX;
	is_int(rules_evaluate(&c, &x, NULL), RULE_FAIL_NONE, "-infinity - 10 years and +infinity + 10 years saturate");
	is_int(rules_add_saturating(INT64_MAX, 1), INT64_MAX, "saturating add, up");
	is_int(rules_add_saturating(INT64_MIN, -1), INT64_MIN, "saturating add, down");
	is_int(rules_add_saturating(-5, 3), -2, "ordinary add");
}

static void
test_actors(void)
{
	RuleContext x = ctx_at(T0);

	x.roles = RULE_ACTOR_BIT(RULE_ACTOR_OWNER);
	ok(rules_actor_matches(RULE_ACTOR_OWNER, &x) && rules_actor_matches(RULE_ACTOR_ADMIN, &x)
	   && rules_actor_matches(RULE_ACTOR_STAFF, &x), "an owner uses owner, admin and staff rules");
	ok(!rules_actor_matches(RULE_ACTOR_INSTRUCTOR, &x) && !rules_actor_matches(RULE_ACTOR_STUDENT, &x)
	   && !rules_actor_matches(RULE_ACTOR_GUARDIAN, &x) && !rules_actor_matches(RULE_ACTOR_SYSTEM, &x),
	   "but not instructor, student, guardian or system rules");
	x.roles = RULE_ACTOR_BIT(RULE_ACTOR_ADMIN);
	ok(!rules_actor_matches(RULE_ACTOR_OWNER, &x) && rules_actor_matches(RULE_ACTOR_ADMIN, &x)
	   && rules_actor_matches(RULE_ACTOR_STAFF, &x), "an admin uses admin and staff rules");
	x.roles = RULE_ACTOR_BIT(RULE_ACTOR_STAFF);
	ok(!rules_actor_matches(RULE_ACTOR_ADMIN, &x) && rules_actor_matches(RULE_ACTOR_STAFF, &x),
	   "staff use staff rules only");
	x.roles = RULE_ACTOR_BIT(RULE_ACTOR_INSTRUCTOR) | RULE_ACTOR_BIT(RULE_ACTOR_GUARDIAN);
	ok(rules_actor_matches(RULE_ACTOR_INSTRUCTOR, &x) && rules_actor_matches(RULE_ACTOR_GUARDIAN, &x)
	   && !rules_actor_matches(RULE_ACTOR_STUDENT, &x) && !rules_actor_matches(RULE_ACTOR_STAFF, &x),
	   "other roles match exactly, each of several");
	x.roles = RULE_ACTOR_BIT(RULE_ACTOR_SYSTEM);
	ok(!rules_actor_matches(RULE_ACTOR_SYSTEM, &x), "a system bit among the roles is not the system");
	x.roles = RULE_ACTOR_BIT(RULE_ACTOR_OWNER);
	x.system = true;
	ok(rules_actor_matches(RULE_ACTOR_SYSTEM, &x) && !rules_actor_matches(RULE_ACTOR_STAFF, &x),
	   "while the system acts, the user's roles do not count");
	ok(!rules_actor_matches((RuleActor) 42, &x), "an actor out of range matches nothing");
	x.system = false;
	ok(!rules_actor_matches((RuleActor) -1, &x), "nor does a negative one");
}

#define RULE(a, doc) {(a), (doc), sizeof(doc) - 1}

static void
test_decide(void)
{
	/* confirmed -> cancelled in the default rule set */
	static const RuleCandidate cancel[] = {
		RULE(RULE_ACTOR_STAFF, "{}"),
		RULE(RULE_ACTOR_INSTRUCTOR, "{\"reason_required\": true, \"not_after\": \"start\", \"relation\": [\"resource\"]}"),
		RULE(RULE_ACTOR_STUDENT, "{\"not_after\": \"start-24h\", \"relation\": [\"client\"]}"),
		RULE(RULE_ACTOR_GUARDIAN, "{\"not_after\": \"start-24h\", \"relation\": [\"guardian\"]}"),
		RULE(RULE_ACTOR_SYSTEM, "{}")
	};
	static const RuleCandidate broken[] = {
		RULE(RULE_ACTOR_STUDENT, "{\"not_after\": \"start-24h\"}"),
		RULE(RULE_ACTOR_STUDENT, "{\"nope\": 1}"),
		RULE(RULE_ACTOR_STUDENT, "{}")
	};
	RuleDecision d;
	RuleContext x;

	x = ctx_user(T0 - 48 * H, RULE_ACTOR_STUDENT);
	rules_decide(cancel, 0, &x, &d);
	is_int(d.kind, RULE_NO_RULE, "no candidate: no rule");
	is_int(d.rule, -1, "and no rule index");
	rules_decide(NULL, 3, &x, &d);
	is_int(d.kind, RULE_NO_RULE, "NULL candidates: no rule");

	x.relations = RULE_RELATION_CLIENT;
	rules_decide(cancel, 5, &x, &d);
	is_int(d.kind, RULE_ALLOWED, "a student cancels their own booking 48 h ahead");
	is_int(d.rule, 2, "by the student rule");
	ok(d.conditions.not_after.set, "the decision carries the rule's conditions");

	x.now = T0 - 2 * H;
	rules_decide(cancel, 5, &x, &d);
	is_int(d.kind, RULE_CONDITION_FAILED, "2 h ahead it is too late");
	is_int(d.rule, 2, "the failing rule");
	is_int(d.verdict.failure, RULE_FAIL_TOO_LATE, "too late");
	is_int(d.verdict.threshold, T0 - 24 * H, "until start - 24 h");
	is_int(d.actors, RULE_ACTOR_BIT(RULE_ACTOR_STAFF) | RULE_ACTOR_BIT(RULE_ACTOR_INSTRUCTOR)
		   | RULE_ACTOR_BIT(RULE_ACTOR_STUDENT) | RULE_ACTOR_BIT(RULE_ACTOR_GUARDIAN)
		   | RULE_ACTOR_BIT(RULE_ACTOR_SYSTEM), "actors of all candidates");

	x.relations = 0;
	x.now = T0 - 48 * H;
	rules_decide(cancel, 5, &x, &d);
	is_int(d.kind, RULE_CONDITION_FAILED, "a student who is not the client");
	is_int(d.verdict.failure, RULE_FAIL_RELATION, "fails the relation");

	x = ctx_user(T0 + 5 * H, RULE_ACTOR_ADMIN);
	rules_decide(cancel, 5, &x, &d);
	is_int(d.kind, RULE_ALLOWED, "an admin cancels any time by the staff rule");
	is_int(d.rule, 0, "rule 0");

	x = ctx_user(T0 - H, RULE_ACTOR_INSTRUCTOR);
	x.relations = RULE_RELATION_RESOURCE;
	rules_decide(cancel, 5, &x, &d);
	is_int(d.kind, RULE_CONDITION_FAILED, "an instructor without a reason");
	is_int(d.verdict.failure, RULE_FAIL_REASON, "needs a reason");
	x.has_reason = true;
	rules_decide(cancel, 5, &x, &d);
	is_int(d.kind, RULE_ALLOWED, "with one, allowed");
	is_int(d.rule, 1, "by the instructor rule");

	x = ctx_at(T0 - 48 * H);
	x.roles = RULE_ACTOR_BIT(RULE_ACTOR_INSTRUCTOR) | RULE_ACTOR_BIT(RULE_ACTOR_STUDENT);
	x.relations = RULE_RELATION_CLIENT;
	rules_decide(cancel, 5, &x, &d);
	is_int(d.kind, RULE_ALLOWED, "an instructor who is also the client");
	is_int(d.rule, 2, "uses the first rule that passes (student), after the instructor rule failed");

	x = ctx_at(T0);
	x.system = true;
	rules_decide(cancel, 4, &x, &d);
	is_int(d.kind, RULE_ROLE_MISSING, "the system without a system rule");
	rules_decide(cancel, 5, &x, &d);
	is_int(d.kind, RULE_ALLOWED, "the system with one");
	is_int(d.rule, 4, "rule 4");

	x = ctx_user(T0, RULE_ACTOR_GUARDIAN);
	rules_decide(cancel, 2, &x, &d);
	is_int(d.kind, RULE_ROLE_MISSING, "a guardian where only staff and instructors may");
	is_int(d.actors, RULE_ACTOR_BIT(RULE_ACTOR_STAFF) | RULE_ACTOR_BIT(RULE_ACTOR_INSTRUCTOR),
		   "the decision lists who may");

	x = ctx_user(T0, RULE_ACTOR_STUDENT);
	rules_decide(broken, 3, &x, &d);
	is_int(d.kind, RULE_BAD_CONDITIONS, "a document that does not parse is reported");
	is_int(d.rule, 1, "with its rule");
	is_int(d.parse.status, RULE_PARSE_UNKNOWN_KEY, "and the parse error");
	x.now = T0 - 48 * H;
	rules_decide(broken, 3, &x, &d);
	is_int(d.kind, RULE_ALLOWED, "unless an earlier rule allows first");
	x = ctx_user(T0, RULE_ACTOR_GUARDIAN);
	rules_decide(broken, 3, &x, &d);
	is_int(d.kind, RULE_ROLE_MISSING, "documents of rules the actor cannot use are not read");
}

int
main(void)
{
	test_names();
	test_bounds();
	test_documents();
	test_evaluate();
	test_actors();
	test_decide();
	return done_testing();
}
