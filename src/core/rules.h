/*-------------------------------------------------------------------------
 *
 * src/core/rules.h
 *		Pure C core of the booking life cycle: the condition documents of
 *		state-transition rules (parsing and checking), their evaluation
 *		against one transition, and the choice among an org's rules.
 *
 * This file includes no PostgreSQL header, allocates nothing and keeps no
 * state, so it can be unit-tested and fuzzed without a server.  The SQL
 * glue (src/lifecycle.c) hands it the active rules of one (from, to) pair
 * and the facts of the transition, and turns the decision into an error
 * with an SQLSTATE or the id of the rule that allows it.
 *
 * TIMES are int64 microseconds on any fixed epoch (the glue passes
 * PostgreSQL TimestampTz values unchanged).  Sums saturate at the int64
 * limits, so infinite timestamps stay infinite and nothing overflows.
 *
 * ACTORS.  A rule names the actor that may use it: one of the org roles
 * owner, admin, staff, instructor, student, guardian, or system (the
 * extension's own scheduled runner, waitlist promotion and hold expiry).
 * The staff roles are ranked: a rule for staff is usable by owner, admin
 * and staff; a rule for admin by owner and admin; a rule for owner by the
 * owner only.  instructor, student and guardian are matched exactly.  A
 * system rule is usable only by the system, and while the system acts,
 * the user's roles do not count.
 *
 * CONDITION DOCUMENTS are JSON objects.  Every key is optional; an unknown
 * key, a repeated key or a value of the wrong shape is an error (so a typo
 * is caught when the rule is written, not ignored when it is used):
 *
 *	   {
 *	     "not_before": "start+15m",        allowed from start + 15 minutes on
 *	     "not_after": "start-24h",         allowed until 24 hours before start
 *	     "reason_required": true,          a reason must be given
 *	     "relation": ["client", "guardian"]  the acting user must be the
 *	                                       booking's client or a guardian of
 *	                                       that client
 *	   }
 *
 *	 A time bound is  anchor [ (+|-) number unit ]  with anchor one of
 *	 start, end (of the booking) or created (when the booking was made),
 *	 unit one of m, min, minute(s), h, hour(s), d, day(s), blanks allowed
 *	 around the sign and before the unit, and an offset of at most 3650
 *	 days.  Both bounds are inclusive: "not_before": "start" allows the
 *	 transition at the start itself.
 *
 *	 Relations: client (the acting user is the booking's client), guardian
 *	 (a guardian of that client), resource (the user of the booking's
 *	 resource or of the resource running its session).  A rule with a
 *	 relation is never usable by the system, which has none.
 *
 * EVALUATION of one rule's conditions against a transition, in this order,
 * stopping at the first that fails: relation, reason, not_before,
 * not_after.
 *
 * DECISION among the candidate rules (the active rules of the org for the
 * transition's from and to status):
 *
 *	 no candidate                          RULE_NO_RULE
 *	 no candidate usable by the actor      RULE_ROLE_MISSING
 *	 a usable candidate whose conditions   RULE_ALLOWED, with its index
 *	   all hold (the first in array order)
 *	 otherwise                             RULE_CONDITION_FAILED, with the
 *	                                       first usable candidate's failure
 *	 a candidate whose document does not   RULE_BAD_CONDITIONS (cannot happen
 *	   parse, met before any of the above  behind the table's CHECK)
 *	   outcomes is final
 *
 * MOVES.  The same engine decides the moves of a life cycle declared as
 * data without actors or conditions (the payment statuses, whose allowed
 * moves are the rows of booking.payment_transition): a list of declared
 * (from, to) moves between named states is a directed graph, and
 * rules_plan_move() says how a wanted state stands to the current one:
 *
 *	 to is from                            RULE_MOVE_STAY
 *	 (from, to) is declared                RULE_MOVE_ALLOWED, path = that move
 *	 to is reachable from from through     RULE_MOVE_FORWARD, path = the
 *	   declared moves (two or more)          shortest (the first found in
 *	                                         array order)
 *	 from is reachable from to (to lies    RULE_MOVE_BACKWARD
 *	   behind: an older state)
 *	 a state not named by any move         RULE_MOVE_UNKNOWN
 *	 otherwise (neither reaches the other) RULE_MOVE_UNRELATED
 *
 *	 A status change is allowed when the plan is ALLOWED; an event that
 *	 wants a state is applied along the path when the plan is ALLOWED or
 *	 FORWARD, is stale when STAY or BACKWARD, and contradicts what is known
 *	 when UNRELATED.  At most RULES_MAX_MOVES moves; names are compared as
 *	 bytes.
 *
 *-------------------------------------------------------------------------
 */
#ifndef BOOKING_RULES_H
#define BOOKING_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest offset of a time bound: 3650 days, in minutes. */
#define RULES_MAX_OFFSET_MINUTES	(3650 * 1440)

/* Microseconds in a minute. */
#define RULES_USECS_PER_MINUTE		INT64_C(60000000)

/* Longest condition document accepted, in bytes. */
#define RULES_MAX_DOCUMENT			8192

/* Room for the text of a time bound as written (longer ones are errors). */
#define RULES_BOUND_TEXT			48

/* Room for the message of a parse error. */
#define RULES_MESSAGE_SIZE			160

/* Who may use a rule.  The order is the order of booking.transition_actor. */
typedef enum RuleActor
{
	RULE_ACTOR_OWNER = 0,
	RULE_ACTOR_ADMIN,
	RULE_ACTOR_STAFF,
	RULE_ACTOR_INSTRUCTOR,
	RULE_ACTOR_STUDENT,
	RULE_ACTOR_GUARDIAN,
	RULE_ACTOR_SYSTEM
} RuleActor;

#define RULE_ACTOR_COUNT			((int) RULE_ACTOR_SYSTEM + 1)

/* Bit of an actor in a role or actor mask. */
#define RULE_ACTOR_BIT(a)			((uint32_t) 1 << (int) (a))

/* What a time bound is measured from. */
typedef enum RuleAnchor
{
	RULE_ANCHOR_START = 0,
	RULE_ANCHOR_END,
	RULE_ANCHOR_CREATED
} RuleAnchor;

/* Relations of the acting user to the booking (bits). */
#define RULE_RELATION_CLIENT		((uint32_t) 1)
#define RULE_RELATION_GUARDIAN		((uint32_t) 2)
#define RULE_RELATION_RESOURCE		((uint32_t) 4)
#define RULE_RELATION_ALL			((uint32_t) 7)

/* A time bound: anchor + offset. */
typedef struct RuleBound
{
	bool		set;
	RuleAnchor	anchor;
	int64_t		offset_minutes;
	char		text[RULES_BOUND_TEXT];	/* as written, for messages */
} RuleBound;

/* A parsed condition document. */
typedef struct RuleConditions
{
	RuleBound	not_before;
	RuleBound	not_after;
	bool		reason_required;
	uint32_t	relations;		/* RULE_RELATION_* bits; 0 = no condition */
} RuleConditions;

/* Why a document does not parse. */
typedef enum RuleParseStatus
{
	RULE_PARSE_OK = 0,
	RULE_PARSE_NULL_ARGUMENT,	/* a required pointer is NULL */
	RULE_PARSE_TOO_LONG,		/* longer than RULES_MAX_DOCUMENT */
	RULE_PARSE_SYNTAX,			/* not JSON */
	RULE_PARSE_NOT_OBJECT,		/* JSON, but not an object */
	RULE_PARSE_UNKNOWN_KEY,		/* a key we do not know */
	RULE_PARSE_DUPLICATE_KEY,	/* a key given twice */
	RULE_PARSE_BAD_VALUE		/* a known key with a value of the wrong
								 * shape or out of range */
} RuleParseStatus;

#define RULE_PARSE_STATUS_COUNT		((int) RULE_PARSE_BAD_VALUE + 1)

typedef struct RuleParseError
{
	RuleParseStatus status;
	size_t		offset;			/* byte offset where the problem was found */
	char		message[RULES_MESSAGE_SIZE];	/* lowercase, no period */
} RuleParseError;

/* The facts of one transition. */
typedef struct RuleContext
{
	int64_t		now;			/* when the transition happens */
	int64_t		start;			/* booking start */
	int64_t		end;			/* booking end */
	int64_t		created;		/* booking creation */
	bool		system;			/* the system acts (roles do not count) */
	uint32_t	roles;			/* RULE_ACTOR_BIT of each role the user holds
								 * (RULE_ACTOR_SYSTEM is ignored here) */
	uint32_t	relations;		/* RULE_RELATION_* bits of the user */
	bool		has_reason;		/* a non-empty reason was given */
} RuleContext;

/* Which condition failed. */
typedef enum RuleFailure
{
	RULE_FAIL_NONE = 0,
	RULE_FAIL_RELATION,			/* the user lacks every required relation */
	RULE_FAIL_REASON,			/* a reason is required and none was given */
	RULE_FAIL_TOO_EARLY,		/* before not_before */
	RULE_FAIL_TOO_LATE			/* after not_after */
} RuleFailure;

typedef struct RuleVerdict
{
	RuleFailure failure;
	int64_t		threshold;		/* TOO_EARLY/TOO_LATE: the bound's time */
	uint32_t	relations;		/* RELATION: the relations required */
} RuleVerdict;

/* One candidate rule. */
typedef struct RuleCandidate
{
	RuleActor	actor;
	const char *conditions;		/* the JSON document, not NUL-terminated */
	size_t		conditions_len;
} RuleCandidate;

typedef enum RuleDecisionKind
{
	RULE_ALLOWED = 0,
	RULE_NO_RULE,
	RULE_ROLE_MISSING,
	RULE_CONDITION_FAILED,
	RULE_BAD_CONDITIONS
} RuleDecisionKind;

typedef struct RuleDecision
{
	RuleDecisionKind kind;
	int			rule;			/* ALLOWED: the allowing rule; CONDITION_FAILED,
								 * BAD_CONDITIONS: the rule concerned; else -1 */
	uint32_t	actors;			/* RULE_ACTOR_BIT of every candidate's actor */
	RuleVerdict verdict;		/* CONDITION_FAILED */
	RuleConditions conditions;	/* ALLOWED, CONDITION_FAILED: of .rule */
	RuleParseError parse;		/* BAD_CONDITIONS */
} RuleDecision;

/* Name of an actor ("owner" ... "system"), or NULL when out of range. */
extern const char *rules_actor_name(RuleActor actor);

/* Actor of a name of the given length, or -1 when unknown. */
extern int	rules_actor_from_name(const char *name, size_t len);

/* Name of a relation bit ("client", "guardian", "resource") or NULL. */
extern const char *rules_relation_name(uint32_t relation);

/* Name of an anchor ("start", "end", "created") or NULL. */
extern const char *rules_anchor_name(RuleAnchor anchor);

/*
 * Parse a time bound such as "start-24h" into *out; return false (and leave
 * *out unchanged) when it is not one.
 */
extern bool rules_parse_bound(const char *text, size_t len, RuleBound *out);

/*
 * Parse a condition document.  On success fill *out and return RULE_PARSE_OK;
 * otherwise fill *err (when not NULL) and return its status, leaving *out
 * unspecified.
 */
extern RuleParseStatus rules_parse_conditions(const char *json, size_t len,
											  RuleConditions *out,
											  RuleParseError *err);

/* The time a bound stands for in a context (saturating). */
extern int64_t rules_bound_time(const RuleBound *bound, const RuleContext *ctx);

/* Whether a rule for required may be used in ctx (see ACTORS above). */
extern bool rules_actor_matches(RuleActor required, const RuleContext *ctx);

/*
 * Evaluate parsed conditions in a context; return the failure (NONE when
 * they hold) and, when v is not NULL, describe it in *v.
 */
extern RuleFailure rules_evaluate(const RuleConditions *conditions,
								  const RuleContext *ctx, RuleVerdict *v);

/* Decide a transition among n candidates (see DECISION above). */
extern void rules_decide(const RuleCandidate *rules, int n,
						 const RuleContext *ctx, RuleDecision *out);

/* Most declared moves of one life cycle (more is RULE_MOVE_TOO_MANY). */
#define RULES_MAX_MOVES				256

/* One declared move between two named states. */
typedef struct RuleMove
{
	const char *from;			/* not NUL-terminated */
	size_t		from_len;
	const char *to;
	size_t		to_len;
} RuleMove;

typedef enum RuleMoveKind
{
	RULE_MOVE_ALLOWED = 0,
	RULE_MOVE_STAY,
	RULE_MOVE_FORWARD,
	RULE_MOVE_BACKWARD,
	RULE_MOVE_UNRELATED,
	RULE_MOVE_UNKNOWN,
	RULE_MOVE_TOO_MANY			/* more than RULES_MAX_MOVES moves, or a
								 * NULL argument */
} RuleMoveKind;

#define RULE_MOVE_KIND_COUNT		((int) RULE_MOVE_TOO_MANY + 1)

typedef struct RuleMovePlan
{
	RuleMoveKind kind;
	int			steps;			/* ALLOWED, FORWARD: moves in path */
	int			path[RULES_MAX_MOVES];	/* indexes into the moves, in order */
} RuleMovePlan;

/* Name of a move kind ("allowed" ... "too_many"), or NULL. */
extern const char *rules_move_kind_name(RuleMoveKind kind);

/*
 * Plan the way from state from to state to through n declared moves (see
 * MOVES above).  Never allocates; O(n^2) at most.
 */
extern void rules_plan_move(const RuleMove *moves, int n,
							const char *from, size_t from_len,
							const char *to, size_t to_len,
							RuleMovePlan *out);

/* Saturating a + b for int64. */
extern int64_t rules_add_saturating(int64_t a, int64_t b);

#endif							/* BOOKING_RULES_H */
