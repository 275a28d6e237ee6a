/*
 * src/lifecycle.c
 *		SQL-callable glue of the booking life cycle: the check of a
 *		transition rule's condition document, the decision of one status
 *		change among the org's rules, and the parameters that carry a
 *		reason and metadata to the life-cycle triggers.
 *
 * The decision itself is src/core/rules.c; this file converts arguments,
 * and turns each outcome into an error with its own SQLSTATE, errdetail and
 * errhint.  The triggers that call it are in sql/code/96_lifecycle_api.sql.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "booking.h"
#include "rules.h"

static char *reason_guc = NULL;
static char *metadata_guc = NULL;

/*
 * booking.reason and booking.metadata: what booking.transition(),
 * booking.cancel() and booking.reschedule() hand to the triggers, and what
 * an application may SET LOCAL before a plain UPDATE of a booking's status.
 * They are ordinary user settings: they carry data, never authority.
 */
void
booking_lifecycle_init(void)
{
	DefineCustomStringVariable("booking.reason",
							   "Reason recorded with the next status changes of bookings.",
							   "Set it with SET LOCAL; booking.transition() sets it for its own change.",
							   &reason_guc,
							   "",
							   PGC_USERSET,
							   GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("booking.metadata",
							   "JSON object merged into the metadata of the next status-history rows.",
							   "Set it with SET LOCAL.",
							   &metadata_guc,
							   "",
							   PGC_USERSET,
							   GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE,
							   NULL, NULL, NULL);
}

static const char *const parse_status_detail[RULE_PARSE_STATUS_COUNT] = {
	"",
	"No document was given.",
	"The document is too long.",
	"The document is not JSON.",
	"The document is JSON but not an object.",
	"The document has a key that is not a condition.",
	"The document gives a condition twice.",
	"A condition has a value of the wrong shape."
};

#define CONDITIONS_HINT \
	"Conditions are a JSON object with the optional keys not_before and not_after " \
	"(\"start\", \"end\" or \"created\" with an offset such as \"start-24h\" or \"end+15m\"), " \
	"reason_required (true or false) and relation (an array of \"client\", \"guardian\", \"resource\")."

/*
 * booking.transition_conditions_check(conditions jsonb) returns bool
 *
 * True when conditions is a valid condition document; raises
 * invalid_parameter_value (22023) naming the problem otherwise.  Used by a
 * CHECK constraint of booking.transition_rule.
 */
PG_FUNCTION_INFO_V1(booking_transition_conditions_check);
Datum
booking_transition_conditions_check(PG_FUNCTION_ARGS)
{
	Jsonb	   *jb = PG_GETARG_JSONB_P(0);
	char	   *text = JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	RuleConditions c;
	RuleParseError e;

	if (rules_parse_conditions(text, strlen(text), &c, &e) != RULE_PARSE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid transition rule conditions: %s", e.message),
				 errdetail("%s Document: %s", parse_status_detail[e.status], text),
				 errhint(CONDITIONS_HINT)));
	PG_RETURN_BOOL(true);
}

static char *
timestamp_text(int64_t t)
{
	return DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum((TimestampTz) t)));
}

/* "staff, student" for an actor mask; "nobody" when empty. */
static char *
actor_list(uint32_t mask, bool system)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	if (system)
		mask = RULE_ACTOR_BIT(RULE_ACTOR_SYSTEM);
	for (i = 0; i < RULE_ACTOR_COUNT; i++)
		if (mask & RULE_ACTOR_BIT(i))
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", rules_actor_name((RuleActor) i));
	if (buf.len == 0)
		appendStringInfoString(&buf, "nobody (no role in this org)");
	return buf.data;
}

static char *
relation_list(uint32_t mask)
{
	StringInfoData buf;
	uint32_t	bit;

	initStringInfo(&buf);
	for (bit = 1; bit <= RULE_RELATION_RESOURCE; bit <<= 1)
		if (mask & bit)
			appendStringInfo(&buf, "%s%s", buf.len > 0 ? " or " : "", rules_relation_name(bit));
	return buf.data;
}

static text *
elem_text(int i, Datum *elems, bool *nulls)
{
	if (nulls[i])
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("array arguments of booking.transition_decide() must not contain null elements")));
	return DatumGetTextPP(elems[i]);
}

static int
deconstruct_or_empty(FunctionCallInfo fcinfo, int argno, Oid elemtype, int elemlen,
					 bool byval, char align, Datum **elems, bool **nulls)
{
	int			n = 0;

	*elems = NULL;
	*nulls = NULL;
	if (PG_ARGISNULL(argno))
		return 0;
	deconstruct_array(PG_GETARG_ARRAYTYPE_P(argno), elemtype, elemlen, byval, align,
					  elems, nulls, &n);
	return n;
}

/*
 * booking.transition_decide(action, booking_id, from_status, to_status,
 *     is_system, roles, relations, has_reason, at, starts_at, ends_at,
 *     created_at, rule_ids, rule_actors, rule_conditions) returns uuid
 *
 * Decide whether a booking may move from from_status to to_status, given
 * the active rules of its org for that pair (three aligned arrays) and the
 * facts of the change; return the id of the rule that allows it, or raise
 * the error that says which rule is missing or which condition failed.
 * action is 'transition' or 'reschedule' and only changes the wording.
 */
PG_FUNCTION_INFO_V1(booking_transition_decide);
Datum
booking_transition_decide(PG_FUNCTION_ARGS)
{
	char	   *action;
	char	   *booking_id;
	char	   *from;
	char	   *to;
	char	   *what;
	RuleContext ctx;
	Datum	   *elems;
	bool	   *nulls;
	int			n,
				i;
	int			nrules;
	Datum	   *ids;
	bool	   *id_nulls;
	Datum	   *actor_elems;
	bool	   *actor_nulls;
	Datum	   *cond_elems;
	bool	   *cond_nulls;
	RuleCandidate *rules;
	RuleDecision d;
	bool		reschedule;

	for (i = 0; i <= 11; i++)
		if (i != 5 && i != 6 && PG_ARGISNULL(i))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument %d of booking.transition_decide() must not be null", i + 1)));

	action = text_to_cstring(PG_GETARG_TEXT_PP(0));
	booking_id = DatumGetCString(DirectFunctionCall1(uuid_out, PG_GETARG_DATUM(1)));
	from = text_to_cstring(PG_GETARG_TEXT_PP(2));
	to = text_to_cstring(PG_GETARG_TEXT_PP(3));
	reschedule = strcmp(action, "reschedule") == 0;
	if (!reschedule && strcmp(action, "transition") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("action must be transition or reschedule, not \"%s\"", action)));

	memset(&ctx, 0, sizeof(ctx));
	ctx.system = PG_GETARG_BOOL(4);
	ctx.has_reason = PG_GETARG_BOOL(7);
	ctx.now = PG_GETARG_TIMESTAMPTZ(8);
	ctx.start = PG_GETARG_TIMESTAMPTZ(9);
	ctx.end = PG_GETARG_TIMESTAMPTZ(10);
	ctx.created = PG_GETARG_TIMESTAMPTZ(11);

	n = deconstruct_or_empty(fcinfo, 5, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls);
	for (i = 0; i < n; i++)
	{
		text	   *t = elem_text(i, elems, nulls);
		int			a = rules_actor_from_name(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));

		if (a >= 0 && a != RULE_ACTOR_SYSTEM)
			ctx.roles |= RULE_ACTOR_BIT(a);
	}
	n = deconstruct_or_empty(fcinfo, 6, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls);
	for (i = 0; i < n; i++)
	{
		text	   *t = elem_text(i, elems, nulls);
		char	   *s = text_to_cstring(t);

		if (strcmp(s, "client") == 0)
			ctx.relations |= RULE_RELATION_CLIENT;
		else if (strcmp(s, "guardian") == 0)
			ctx.relations |= RULE_RELATION_GUARDIAN;
		else if (strcmp(s, "resource") == 0)
			ctx.relations |= RULE_RELATION_RESOURCE;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown relation \"%s\" in booking.transition_decide()", s),
					 errhint("Relations are client, guardian and resource.")));
	}

	nrules = deconstruct_or_empty(fcinfo, 12, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR, &ids, &id_nulls);
	if (deconstruct_or_empty(fcinfo, 13, TEXTOID, -1, false, TYPALIGN_INT, &actor_elems, &actor_nulls) != nrules
		|| deconstruct_or_empty(fcinfo, 14, TEXTOID, -1, false, TYPALIGN_INT, &cond_elems, &cond_nulls) != nrules)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("rule arrays of booking.transition_decide() differ in length")));
	rules = palloc0(sizeof(RuleCandidate) * (nrules > 0 ? nrules : 1));
	for (i = 0; i < nrules; i++)
	{
		text	   *a = elem_text(i, actor_elems, actor_nulls);
		text	   *c = elem_text(i, cond_elems, cond_nulls);
		int			actor = rules_actor_from_name(VARDATA_ANY(a), VARSIZE_ANY_EXHDR(a));

		if (actor < 0 || id_nulls[i])
			ereport(ERROR,
					(errcode(id_nulls[i] ? ERRCODE_NULL_VALUE_NOT_ALLOWED : ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rule %d of booking.transition_decide() has a null id or an unknown actor", i + 1)));
		rules[i].actor = (RuleActor) actor;
		rules[i].conditions = VARDATA_ANY(c);
		rules[i].conditions_len = VARSIZE_ANY_EXHDR(c);
	}

	rules_decide(rules, nrules, &ctx, &d);

	what = reschedule
		? psprintf("reschedule booking %s", booking_id)
		: psprintf("move booking %s from %s to %s", booking_id, from, to);

	switch (d.kind)
	{
		case RULE_ALLOWED:
			PG_RETURN_DATUM(ids[d.rule]);
		case RULE_NO_RULE:
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("cannot %s", what),
					 errdetail("No active transition rule of the org allows %s -> %s%s.", from, to,
							   reschedule ? " (rescheduling needs the right to cancel)" : ""),
					 errhint("An owner, admin or staff member can add or enable a rule in booking.transition_rule.")));
			break;
		case RULE_ROLE_MISSING:
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("not allowed to %s", what),
					 errdetail("Active rules allow %s -> %s%s only for: %s; the acting user is: %s.",
							   from, to, reschedule ? " (which rescheduling needs)" : "",
							   actor_list(d.actors, false), actor_list(ctx.roles, ctx.system))));
			break;
		case RULE_CONDITION_FAILED:
			{
				char	   *rule_id = DatumGetCString(DirectFunctionCall1(uuid_out, ids[d.rule]));
				const char *actor = rules_actor_name(rules[d.rule].actor);

				switch (d.verdict.failure)
				{
					case RULE_FAIL_RELATION:
						ereport(ERROR,
								(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
								 errmsg("not allowed to %s", what),
								 errdetail("Rule %s (%s) requires the acting user to be the booking's %s.",
										   rule_id, actor, relation_list(d.verdict.relations))));
						break;
					case RULE_FAIL_REASON:
						ereport(ERROR,
								(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
								 errmsg("a reason is required to %s", what),
								 errdetail("Rule %s (%s) has \"reason_required\": true.", rule_id, actor),
								 errhint("Pass reason to booking.transition(), booking.cancel() or booking.reschedule(), or SET LOCAL booking.reason before the UPDATE.")));
						break;
					case RULE_FAIL_TOO_EARLY:
						ereport(ERROR,
								(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
								 errmsg("too early to %s", what),
								 errdetail("Rule %s (%s) allows it from %s (not_before \"%s\"); it is now %s.",
										   rule_id, actor, timestamp_text(d.verdict.threshold),
										   d.conditions.not_before.text, timestamp_text(ctx.now))));
						break;
					default:
						ereport(ERROR,
								(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
								 errmsg("too late to %s", what),
								 errdetail("Rule %s (%s) allows it until %s (not_after \"%s\"); it is now %s.",
										   rule_id, actor, timestamp_text(d.verdict.threshold),
										   d.conditions.not_after.text, timestamp_text(ctx.now))));
						break;
				}
				break;
			}
		case RULE_BAD_CONDITIONS:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("transition rule %s has invalid conditions: %s",
							DatumGetCString(DirectFunctionCall1(uuid_out, ids[d.rule])), d.parse.message),
					 errhint(CONDITIONS_HINT)));
			break;
	}
	PG_RETURN_NULL();			/* not reached */
}
