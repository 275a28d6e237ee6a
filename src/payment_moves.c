/*
 * src/payment_moves.c
 *		SQL-callable glue of the payment life cycle: its status moves are
 *		declared as data (booking.payment_transition) and decided by the
 *		same C core as the booking transitions (rules_plan_move() in
 *		src/core/rules.c).
 *
 * booking.move_plan() tells how a wanted state stands to the current one
 * (the webhook applies an event along its path, or finds it stale);
 * booking.payment_move_decide() checks one status change for the payment
 * trigger and raises 23M02 with the reason.  The callers pass the declared
 * moves as two aligned arrays (booking.payment_moves() in
 * sql/code/73_payments.sql reads them).
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/uuid.h"

#include "errcodes.h"
#include "rules.h"

/* The declared moves of two aligned text arrays, into moves (palloc'd). */
static int
moves_from_arrays(ArrayType *from_arr, ArrayType *to_arr, const char *fn, RuleMove **moves)
{
	Datum	   *fe,
			   *te;
	bool	   *fn_nulls,
			   *tn_nulls;
	int			nf,
				nt,
				i;
	RuleMove   *m;

	if (ARR_NDIM(from_arr) > 1 || ARR_NDIM(to_arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("move arrays of %s must be one-dimensional", fn)));
	deconstruct_array(from_arr, TEXTOID, -1, false, TYPALIGN_INT, &fe, &fn_nulls, &nf);
	deconstruct_array(to_arr, TEXTOID, -1, false, TYPALIGN_INT, &te, &tn_nulls, &nt);
	if (nf != nt)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("move arrays of %s differ in length", fn),
				 errdetail("%d from states, %d to states.", nf, nt)));
	if (nf > RULES_MAX_MOVES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many moves for %s", fn),
				 errdetail("%d moves; at most %d.", nf, RULES_MAX_MOVES)));
	m = palloc0(sizeof(RuleMove) * (nf > 0 ? nf : 1));
	for (i = 0; i < nf; i++)
	{
		text	   *f,
				   *t;

		if (fn_nulls[i] || tn_nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("move arrays of %s must not contain null elements", fn)));
		f = DatumGetTextPP(fe[i]);
		t = DatumGetTextPP(te[i]);
		m[i].from = VARDATA_ANY(f);
		m[i].from_len = VARSIZE_ANY_EXHDR(f);
		m[i].to = VARDATA_ANY(t);
		m[i].to_len = VARSIZE_ANY_EXHDR(t);
	}
	*moves = m;
	return nf;
}

static RuleMovePlan *
plan_of(FunctionCallInfo fcinfo, int first, const char *fn, RuleMove **moves_out)
{
	text	   *from = PG_GETARG_TEXT_PP(first);
	text	   *to = PG_GETARG_TEXT_PP(first + 1);
	RuleMove   *moves;
	int			n = moves_from_arrays(PG_GETARG_ARRAYTYPE_P(first + 2),
									  PG_GETARG_ARRAYTYPE_P(first + 3), fn, &moves);
	RuleMovePlan *plan = palloc(sizeof(RuleMovePlan));

	rules_plan_move(moves, n, VARDATA_ANY(from), VARSIZE_ANY_EXHDR(from),
					VARDATA_ANY(to), VARSIZE_ANY_EXHDR(to), plan);
	if (plan->kind == RULE_MOVE_TOO_MANY)
		elog(ERROR, "rules_plan_move refused %d moves", n);		/* cannot happen */
	*moves_out = moves;
	return plan;
}

static char *
state_text(const char *s, size_t len)
{
	return pnstrdup(s, len);
}

/* "pending -> succeeded -> refunded" */
static char *
path_text(const RuleMove *moves, const RuleMovePlan *plan)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < plan->steps; i++)
	{
		const RuleMove *m = &moves[plan->path[i]];

		if (i == 0)
			appendBinaryStringInfo(&buf, m->from, (int) m->from_len);
		appendStringInfoString(&buf, " -> ");
		appendBinaryStringInfo(&buf, m->to, (int) m->to_len);
	}
	return buf.data;
}

/*
 * booking.move_plan(from_state, to_state, move_from, move_to)
 *     returns (kind text, path text[])
 *
 * How to_state stands to from_state in the life cycle of the declared moves
 * (move_from[i] -> move_to[i]): kind is allowed (a declared move), forward
 * (reachable in several moves), stay, backward (to_state lies behind),
 * unrelated or unknown; path is the states a shortest way passes through
 * after from_state, ending with to_state (empty unless allowed or forward).
 */
PG_FUNCTION_INFO_V1(booking_move_plan);
Datum
booking_move_plan(PG_FUNCTION_ARGS)
{
	RuleMove   *moves;
	RuleMovePlan *plan = plan_of(fcinfo, 0, "booking.move_plan()", &moves);
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};
	Datum	   *states;
	int			i;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "booking.move_plan() must return a record");
	tupdesc = BlessTupleDesc(tupdesc);
	states = palloc(sizeof(Datum) * (plan->steps > 0 ? plan->steps : 1));
	for (i = 0; i < plan->steps; i++)
	{
		const RuleMove *m = &moves[plan->path[i]];

		states[i] = PointerGetDatum(cstring_to_text_with_len(m->to, (int) m->to_len));
	}
	values[0] = CStringGetTextDatum(rules_move_kind_name(plan->kind));
	values[1] = PointerGetDatum(construct_array(states, plan->steps, TEXTOID, -1, false, TYPALIGN_INT));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls)));
}

/*
 * booking.payment_move_decide(payment_id, from_status, to_status, move_from,
 *     move_to) returns void
 *
 * Allow a payment's status change when it is a declared move (or no change);
 * otherwise raise 23M02 saying why: it skips states the life cycle goes
 * through, it goes backwards, or no way leads there.
 */
PG_FUNCTION_INFO_V1(booking_payment_move_decide);
Datum
booking_payment_move_decide(PG_FUNCTION_ARGS)
{
	char	   *payment = DatumGetCString(DirectFunctionCall1(uuid_out, PG_GETARG_DATUM(0)));
	text	   *from_t = PG_GETARG_TEXT_PP(1);
	text	   *to_t = PG_GETARG_TEXT_PP(2);
	RuleMove   *moves;
	RuleMovePlan *plan = plan_of(fcinfo, 1, "booking.payment_move_decide()", &moves);
	char	   *from = state_text(VARDATA_ANY(from_t), VARSIZE_ANY_EXHDR(from_t));
	char	   *to = state_text(VARDATA_ANY(to_t), VARSIZE_ANY_EXHDR(to_t));

	switch (plan->kind)
	{
		case RULE_MOVE_ALLOWED:
		case RULE_MOVE_STAY:
			PG_RETURN_VOID();
		case RULE_MOVE_FORWARD:
			ereport(ERROR,
					(errcode(ERRCODE_23M02_PAYMENT_CHANGE),
					 errmsg("payment status change not allowed"),
					 errdetail("Payment %s cannot move from %s to %s in one step; the life cycle goes %s.",
							   payment, from, to, path_text(moves, plan)),
					 errhint("booking.payment_transition lists the allowed moves.")));
			break;
		case RULE_MOVE_BACKWARD:
			ereport(ERROR,
					(errcode(ERRCODE_23M02_PAYMENT_CHANGE),
					 errmsg("payment status change not allowed"),
					 errdetail("Payment %s cannot move from %s back to %s: %s comes before %s in the life cycle.",
							   payment, from, to, to, from),
					 errhint("booking.payment_transition lists the allowed moves.")));
			break;
		case RULE_MOVE_UNRELATED:
			ereport(ERROR,
					(errcode(ERRCODE_23M02_PAYMENT_CHANGE),
					 errmsg("payment status change not allowed"),
					 errdetail("Payment %s cannot move from %s to %s: no way leads from one to the other.",
							   payment, from, to),
					 errhint("booking.payment_transition lists the allowed moves.")));
			break;
		default:
			ereport(ERROR,
					(errcode(ERRCODE_23M02_PAYMENT_CHANGE),
					 errmsg("payment status change not allowed"),
					 errdetail("Payment %s cannot move from %s to %s: no declared move names both.",
							   payment, from, to),
					 errhint("booking.payment_transition lists the allowed moves.")));
			break;
	}
	PG_RETURN_VOID();			/* not reached */
}
