/*-------------------------------------------------------------------------
 *
 * src/core/rules.c
 *		Pure C core of the booking life cycle: condition documents of
 *		state-transition rules, their evaluation, and the decision among an
 *		org's rules.  See rules.h for the language and the semantics.
 *
 * The JSON reader here accepts exactly the shapes a condition document may
 * have (an object of strings, booleans and arrays of strings); any other
 * value under a known key is a RULE_PARSE_BAD_VALUE, any unknown key a
 * RULE_PARSE_UNKNOWN_KEY.  It never reads past len, never allocates and
 * never recurses.
 *
 *-------------------------------------------------------------------------
 */
#include "rules.h"
#include "hex.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Longest key or relation name we keep when reading a string. */
#define NAME_SIZE	32

static const char *const actor_names[RULE_ACTOR_COUNT] = {
	"owner", "admin", "staff", "instructor", "student", "guardian", "system"
};

static const char *const anchor_names[] = {"start", "end", "created"};

#define ANCHOR_COUNT ((int) (sizeof(anchor_names) / sizeof(anchor_names[0])))

const char *
rules_actor_name(RuleActor actor)
{
	if ((int) actor < 0 || (int) actor >= RULE_ACTOR_COUNT)
		return NULL;
	return actor_names[actor];
}

int
rules_actor_from_name(const char *name, size_t len)
{
	int			i;

	if (name == NULL)
		return -1;
	for (i = 0; i < RULE_ACTOR_COUNT; i++)
		if (strlen(actor_names[i]) == len && memcmp(actor_names[i], name, len) == 0)
			return i;
	return -1;
}

const char *
rules_relation_name(uint32_t relation)
{
	switch (relation)
	{
		case RULE_RELATION_CLIENT:
			return "client";
		case RULE_RELATION_GUARDIAN:
			return "guardian";
		case RULE_RELATION_RESOURCE:
			return "resource";
		default:
			return NULL;
	}
}

static uint32_t
relation_from_name(const char *name, size_t len)
{
	uint32_t	bit;

	for (bit = 1; bit <= RULE_RELATION_RESOURCE; bit <<= 1)
	{
		const char *n = rules_relation_name(bit);

		if (strlen(n) == len && memcmp(n, name, len) == 0)
			return bit;
	}
	return 0;
}

const char *
rules_anchor_name(RuleAnchor anchor)
{
	if ((int) anchor < 0 || (int) anchor >= ANCHOR_COUNT)
		return NULL;
	return anchor_names[anchor];
}

int64_t
rules_add_saturating(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

/* ------------------------------------------------------------------------
 * Time bounds: anchor [ (+|-) number unit ]
 * ------------------------------------------------------------------------
 */

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool
word_is(const char *w, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(w, word, len) == 0;
}

bool
rules_parse_bound(const char *text, size_t len, RuleBound *out)
{
	size_t		i = 0;
	size_t		w;
	int			anchor = -1;
	int			sign;
	int64_t		number = 0;
	int			digits = 0;
	int64_t		unit;
	int			a;

	if (text == NULL || out == NULL || len == 0 || len >= RULES_BOUND_TEXT)
		return false;

	while (i < len && is_blank(text[i]))
		i++;
	w = i;
	while (i < len && is_lower(text[i]))
		i++;
	for (a = 0; a < ANCHOR_COUNT; a++)
		if (word_is(text + w, i - w, anchor_names[a]))
			anchor = a;
	if (anchor < 0)
		return false;
	while (i < len && is_blank(text[i]))
		i++;

	if (i < len)
	{
		if (text[i] != '+' && text[i] != '-')
			return false;
		sign = text[i] == '-' ? -1 : 1;
		i++;
		while (i < len && is_blank(text[i]))
			i++;
		while (i < len && text[i] >= '0' && text[i] <= '9')
		{
			if (++digits > 7)
				return false;
			number = number * 10 + (text[i] - '0');
			i++;
		}
		if (digits == 0)
			return false;
		while (i < len && is_blank(text[i]))
			i++;
		w = i;
		while (i < len && is_lower(text[i]))
			i++;
		if (word_is(text + w, i - w, "m") || word_is(text + w, i - w, "min")
			|| word_is(text + w, i - w, "minute") || word_is(text + w, i - w, "minutes"))
			unit = 1;
		else if (word_is(text + w, i - w, "h") || word_is(text + w, i - w, "hour")
				 || word_is(text + w, i - w, "hours"))
			unit = 60;
		else if (word_is(text + w, i - w, "d") || word_is(text + w, i - w, "day")
				 || word_is(text + w, i - w, "days"))
			unit = 1440;
		else
			return false;
		while (i < len && is_blank(text[i]))
			i++;
		if (i != len)
			return false;
		number *= unit;
		if (number > RULES_MAX_OFFSET_MINUTES)
			return false;
		number *= sign;
	}

	out->set = true;
	out->anchor = (RuleAnchor) anchor;
	out->offset_minutes = number;
	memcpy(out->text, text, len);
	out->text[len] = '\0';
	return true;
}

int64_t
rules_bound_time(const RuleBound *bound, const RuleContext *ctx)
{
	int64_t		base;

	switch (bound->anchor)
	{
		case RULE_ANCHOR_START:
			base = ctx->start;
			break;
		case RULE_ANCHOR_END:
			base = ctx->end;
			break;
		default:
			base = ctx->created;
			break;
	}
	/* |offset| <= 3650 days, so the product cannot overflow */
	return rules_add_saturating(base, bound->offset_minutes * RULES_USECS_PER_MINUTE);
}

/* ------------------------------------------------------------------------
 * The condition document reader
 * ------------------------------------------------------------------------
 */

typedef struct Reader
{
	const char *s;
	size_t		len;
	size_t		pos;
	RuleParseError *err;
} Reader;

#if defined(__GNUC__)
#define RULES_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define RULES_PRINTF(f, a)
#endif

static RuleParseStatus fail(Reader *r, RuleParseStatus status, const char *fmt,...) RULES_PRINTF(3, 4);

static RuleParseStatus
fail(Reader *r, RuleParseStatus status, const char *fmt,...)
{
	va_list		ap;

	if (r->err != NULL)
	{
		r->err->status = status;
		r->err->offset = r->pos;
		va_start(ap, fmt);
		vsnprintf(r->err->message, sizeof(r->err->message), fmt, ap);
		va_end(ap);
	}
	return status;
}

static void
skip_ws(Reader *r)
{
	while (r->pos < r->len)
	{
		char		c = r->s[r->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		r->pos++;
	}
}

static int
peek(Reader *r)
{
	return r->pos < r->len ? (unsigned char) r->s[r->pos] : -1;
}

/*
 * Read a JSON string at r->pos (which holds '"').  Keep at most size - 1
 * decoded bytes in buf, NUL-terminated, set *n to the decoded length (which
 * may exceed what was kept) and return true; return false on a syntax error
 * (r->pos then points at it).  \u escapes outside ASCII decode to 0xFF, a
 * byte that matches no name we know.
 */
static bool
read_string(Reader *r, char *buf, size_t size, size_t *n)
{
	size_t		count = 0;

	r->pos++;					/* the opening quote */
	for (;;)
	{
		char		c;

		if (r->pos >= r->len)
			return false;
		c = r->s[r->pos];
		if (c == '"')
		{
			r->pos++;
			break;
		}
		if ((unsigned char) c < 0x20)
			return false;
		if (c == '\\')
		{
			if (r->pos + 1 >= r->len)
				return false;
			r->pos++;
			switch (r->s[r->pos])
			{
				case '"':
				case '\\':
				case '/':
					c = r->s[r->pos];
					break;
				case 'b':
					c = '\b';
					break;
				case 'f':
					c = '\f';
					break;
				case 'n':
					c = '\n';
					break;
				case 'r':
					c = '\r';
					break;
				case 't':
					c = '\t';
					break;
				case 'u':
					{
						int			v = 0;
						int			k;

						if (r->len - r->pos < 5)
							return false;
						for (k = 1; k <= 4; k++)
						{
							int			h = core_hex_value(r->s[r->pos + k]);

							if (h < 0)
								return false;
							v = v * 16 + h;
						}
						r->pos += 4;
						c = (v > 0 && v < 0x80) ? (char) v : (char) 0xFF;
						break;
					}
				default:
					return false;
			}
		}
		if (count + 1 < size)
			buf[count] = c;
		count++;
		r->pos++;
	}
	buf[count + 1 < size ? count : size - 1] = '\0';
	*n = count;
	return true;
}

/* Read the literal word at r->pos if it is there. */
static bool
read_literal(Reader *r, const char *word)
{
	size_t		wl = strlen(word);

	if (r->len - r->pos < wl || memcmp(r->s + r->pos, word, wl) != 0)
		return false;
	r->pos += wl;
	return true;
}

static RuleParseStatus
read_bound(Reader *r, const char *key, RuleBound *bound)
{
	char		buf[RULES_BOUND_TEXT];
	size_t		n;
	size_t		at = r->pos;

	if (peek(r) != '"')
		return fail(r, RULE_PARSE_BAD_VALUE,
					"%s must be a string such as \"start-24h\" or \"end+15m\"", key);
	if (!read_string(r, buf, sizeof(buf), &n))
		return fail(r, RULE_PARSE_SYNTAX, "unterminated or malformed string");
	if (n >= sizeof(buf) || memchr(buf, '\0', n) != NULL
		|| !rules_parse_bound(buf, n, bound))
	{
		r->pos = at;
		return fail(r, RULE_PARSE_BAD_VALUE,
					"%s must be start, end or created, optionally followed by + or - and a number of m, h or d of at most 3650 days, such as \"start-24h\"",
					key);
	}
	return RULE_PARSE_OK;
}

static RuleParseStatus
read_relations(Reader *r, uint32_t *relations)
{
	uint32_t	bits = 0;

	if (peek(r) != '[')
		return fail(r, RULE_PARSE_BAD_VALUE,
					"relation must be a non-empty array of \"client\", \"guardian\" and \"resource\"");
	r->pos++;
	skip_ws(r);
	if (peek(r) == ']')
		return fail(r, RULE_PARSE_BAD_VALUE,
					"relation must be a non-empty array of \"client\", \"guardian\" and \"resource\"");
	for (;;)
	{
		char		buf[NAME_SIZE];
		size_t		n;
		uint32_t	bit;
		size_t		at;

		skip_ws(r);
		at = r->pos;
		if (peek(r) != '"')
			return fail(r, RULE_PARSE_BAD_VALUE,
						"relation must be a non-empty array of \"client\", \"guardian\" and \"resource\"");
		if (!read_string(r, buf, sizeof(buf), &n))
			return fail(r, RULE_PARSE_SYNTAX, "unterminated or malformed string");
		bit = n < sizeof(buf) ? relation_from_name(buf, n) : 0;
		if (bit == 0)
		{
			r->pos = at;
			return fail(r, RULE_PARSE_BAD_VALUE,
						"unknown relation \"%s%s\": expected client, guardian or resource",
						buf, n >= sizeof(buf) ? "..." : "");
		}
		bits |= bit;
		skip_ws(r);
		if (peek(r) == ',')
		{
			r->pos++;
			continue;
		}
		if (peek(r) == ']')
		{
			r->pos++;
			break;
		}
		return fail(r, RULE_PARSE_SYNTAX, "expected , or ] in the relation array");
	}
	*relations = bits;
	return RULE_PARSE_OK;
}

RuleParseStatus
rules_parse_conditions(const char *json, size_t len, RuleConditions *out,
					   RuleParseError *err)
{
	Reader		r;
	unsigned	seen = 0;
	int			c;

	r.s = json;
	r.len = len;
	r.pos = 0;
	r.err = err;
	if (err != NULL)
	{
		err->status = RULE_PARSE_OK;
		err->offset = 0;
		err->message[0] = '\0';
	}
	if (json == NULL || out == NULL)
		return fail(&r, RULE_PARSE_NULL_ARGUMENT, "no condition document");
	if (len > RULES_MAX_DOCUMENT)
		return fail(&r, RULE_PARSE_TOO_LONG,
					"condition document longer than %d bytes", RULES_MAX_DOCUMENT);
	memset(out, 0, sizeof(*out));

	skip_ws(&r);
	c = peek(&r);
	if (c == -1)
		return fail(&r, RULE_PARSE_SYNTAX, "empty condition document");
	if (c != '{')
	{
		size_t		at = r.pos;

		if (c == '[' || c == '"' || c == '-' || (c >= '0' && c <= '9')
			|| read_literal(&r, "true") || read_literal(&r, "false")
			|| read_literal(&r, "null"))
		{
			r.pos = at;
			return fail(&r, RULE_PARSE_NOT_OBJECT, "conditions must be a JSON object");
		}
		return fail(&r, RULE_PARSE_SYNTAX, "conditions are not JSON");
	}
	r.pos++;
	skip_ws(&r);
	if (peek(&r) == '}')
		r.pos++;
	else
	{
		for (;;)
		{
			char		key[NAME_SIZE];
			size_t		n;
			size_t		key_at;
			unsigned	bit;
			RuleParseStatus st;

			skip_ws(&r);
			key_at = r.pos;
			if (peek(&r) != '"')
				return fail(&r, RULE_PARSE_SYNTAX, "expected a key in double quotes");
			if (!read_string(&r, key, sizeof(key), &n))
				return fail(&r, RULE_PARSE_SYNTAX, "unterminated or malformed string");
			if (n >= sizeof(key) || memchr(key, '\0', n) != NULL)
				bit = 0;
			else if (word_is(key, n, "not_before"))
				bit = 1;
			else if (word_is(key, n, "not_after"))
				bit = 2;
			else if (word_is(key, n, "reason_required"))
				bit = 4;
			else if (word_is(key, n, "relation"))
				bit = 8;
			else
				bit = 0;
			if (bit == 0)
			{
				r.pos = key_at;
				return fail(&r, RULE_PARSE_UNKNOWN_KEY,
							"unknown condition \"%s%s\": expected not_before, not_after, reason_required or relation",
							key, n >= sizeof(key) ? "..." : "");
			}
			if (seen & bit)
			{
				r.pos = key_at;
				return fail(&r, RULE_PARSE_DUPLICATE_KEY, "condition \"%s\" is given twice", key);
			}
			seen |= bit;
			skip_ws(&r);
			if (peek(&r) != ':')
				return fail(&r, RULE_PARSE_SYNTAX, "expected : after a key");
			r.pos++;
			skip_ws(&r);

			switch (bit)
			{
				case 1:
					st = read_bound(&r, "not_before", &out->not_before);
					break;
				case 2:
					st = read_bound(&r, "not_after", &out->not_after);
					break;
				case 4:
					if (read_literal(&r, "true"))
						out->reason_required = true;
					else if (read_literal(&r, "false"))
						out->reason_required = false;
					else
						return fail(&r, RULE_PARSE_BAD_VALUE, "reason_required must be true or false");
					st = RULE_PARSE_OK;
					break;
				default:
					st = read_relations(&r, &out->relations);
					break;
			}
			if (st != RULE_PARSE_OK)
				return st;
			skip_ws(&r);
			if (peek(&r) == ',')
			{
				r.pos++;
				continue;
			}
			if (peek(&r) == '}')
			{
				r.pos++;
				break;
			}
			return fail(&r, RULE_PARSE_SYNTAX, "expected , or } after a value");
		}
	}
	skip_ws(&r);
	if (r.pos != r.len)
		return fail(&r, RULE_PARSE_SYNTAX, "unexpected characters after the object");
	return RULE_PARSE_OK;
}

/* ------------------------------------------------------------------------
 * Evaluation and decision
 * ------------------------------------------------------------------------
 */

bool
rules_actor_matches(RuleActor required, const RuleContext *ctx)
{
	uint32_t	roles = ctx->roles;

	if (required == RULE_ACTOR_SYSTEM)
		return ctx->system;
	if (ctx->system)
		return false;
	switch (required)
	{
		case RULE_ACTOR_OWNER:
			return (roles & RULE_ACTOR_BIT(RULE_ACTOR_OWNER)) != 0;
		case RULE_ACTOR_ADMIN:
			return (roles & (RULE_ACTOR_BIT(RULE_ACTOR_OWNER)
							 | RULE_ACTOR_BIT(RULE_ACTOR_ADMIN))) != 0;
		case RULE_ACTOR_STAFF:
			return (roles & (RULE_ACTOR_BIT(RULE_ACTOR_OWNER)
							 | RULE_ACTOR_BIT(RULE_ACTOR_ADMIN)
							 | RULE_ACTOR_BIT(RULE_ACTOR_STAFF))) != 0;
		case RULE_ACTOR_INSTRUCTOR:
		case RULE_ACTOR_STUDENT:
		case RULE_ACTOR_GUARDIAN:
			return (roles & RULE_ACTOR_BIT(required)) != 0;
		default:
			return false;
	}
}

RuleFailure
rules_evaluate(const RuleConditions *c, const RuleContext *ctx, RuleVerdict *v)
{
	RuleVerdict local;

	if (v == NULL)
		v = &local;
	v->failure = RULE_FAIL_NONE;
	v->threshold = 0;
	v->relations = 0;

	if (c->relations != 0
		&& (ctx->system || (ctx->relations & c->relations) == 0))
	{
		v->failure = RULE_FAIL_RELATION;
		v->relations = c->relations;
		return v->failure;
	}
	if (c->reason_required && !ctx->has_reason)
	{
		v->failure = RULE_FAIL_REASON;
		return v->failure;
	}
	if (c->not_before.set)
	{
		int64_t		t = rules_bound_time(&c->not_before, ctx);

		if (ctx->now < t)
		{
			v->failure = RULE_FAIL_TOO_EARLY;
			v->threshold = t;
			return v->failure;
		}
	}
	if (c->not_after.set)
	{
		int64_t		t = rules_bound_time(&c->not_after, ctx);

		if (ctx->now > t)
		{
			v->failure = RULE_FAIL_TOO_LATE;
			v->threshold = t;
			return v->failure;
		}
	}
	return RULE_FAIL_NONE;
}

void
rules_decide(const RuleCandidate *rules, int n, const RuleContext *ctx,
			 RuleDecision *out)
{
	int			i;
	int			failed = -1;

	memset(out, 0, sizeof(*out));
	out->rule = -1;
	if (rules == NULL || n <= 0)
	{
		out->kind = RULE_NO_RULE;
		return;
	}
	for (i = 0; i < n; i++)
		if ((int) rules[i].actor >= 0 && (int) rules[i].actor < RULE_ACTOR_COUNT)
			out->actors |= RULE_ACTOR_BIT(rules[i].actor);

	for (i = 0; i < n; i++)
	{
		RuleConditions c;
		RuleVerdict v;

		if (!rules_actor_matches(rules[i].actor, ctx))
			continue;
		if (rules_parse_conditions(rules[i].conditions, rules[i].conditions_len,
								   &c, &out->parse) != RULE_PARSE_OK)
		{
			out->kind = RULE_BAD_CONDITIONS;
			out->rule = i;
			return;
		}
		if (rules_evaluate(&c, ctx, &v) == RULE_FAIL_NONE)
		{
			out->kind = RULE_ALLOWED;
			out->rule = i;
			out->conditions = c;
			memset(&out->verdict, 0, sizeof(out->verdict));
			return;
		}
		if (failed < 0)
		{
			failed = i;
			out->verdict = v;
			out->conditions = c;
		}
	}
	if (failed >= 0)
	{
		out->kind = RULE_CONDITION_FAILED;
		out->rule = failed;
	}
	else
		out->kind = RULE_ROLE_MISSING;
}

/*
 * Moves: a life cycle declared as a list of (from, to) moves.
 */

static const char *const move_kind_names[RULE_MOVE_KIND_COUNT] = {
	"allowed", "stay", "forward", "backward", "unrelated", "unknown", "too_many"
};

const char *
rules_move_kind_name(RuleMoveKind kind)
{
	if ((int) kind < 0 || (int) kind >= RULE_MOVE_KIND_COUNT)
		return NULL;
	return move_kind_names[kind];
}

static bool
same_name(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

/* The states of a move list, numbered in order of first appearance. */
typedef struct MoveGraph
{
	int			n;				/* moves */
	int			nstates;
	int			from_id[RULES_MAX_MOVES];
	int			to_id[RULES_MAX_MOVES];
	const char *name[2 * RULES_MAX_MOVES];
	size_t		len[2 * RULES_MAX_MOVES];
} MoveGraph;

static int
state_of(const MoveGraph *g, const char *name, size_t len)
{
	int			s;

	for (s = 0; s < g->nstates; s++)
		if (same_name(g->name[s], g->len[s], name, len))
			return s;
	return -1;
}

static int
state_add(MoveGraph *g, const char *name, size_t len)
{
	int			s = state_of(g, name, len);

	if (s >= 0)
		return s;
	g->name[g->nstates] = name;
	g->len[g->nstates] = len;
	return g->nstates++;
}

/*
 * Breadth-first search from state a, moves taken in array order; fill
 * via[s] with the move that first reached s (-1: not reached; the start
 * has -2).
 */
static void
move_search(const MoveGraph *g, int a, int *via)
{
	int			queue[2 * RULES_MAX_MOVES];
	int			head = 0,
				tail = 0,
				s,
				i;

	for (s = 0; s < g->nstates; s++)
		via[s] = -1;
	via[a] = -2;
	queue[tail++] = a;
	while (head < tail)
	{
		int			u = queue[head++];

		for (i = 0; i < g->n; i++)
			if (g->from_id[i] == u && via[g->to_id[i]] == -1)
			{
				via[g->to_id[i]] = i;
				queue[tail++] = g->to_id[i];
			}
	}
}

void
rules_plan_move(const RuleMove *moves, int n, const char *from, size_t from_len,
				const char *to, size_t to_len, RuleMovePlan *out)
{
	MoveGraph	g;
	int			via[2 * RULES_MAX_MOVES];
	int			a,
				b,
				i,
				s,
				steps;

	if (out == NULL)
		return;
	out->steps = 0;
	out->kind = RULE_MOVE_TOO_MANY;
	if (n < 0 || n > RULES_MAX_MOVES || (n > 0 && moves == NULL)
		|| (from == NULL && from_len > 0) || (to == NULL && to_len > 0))
		return;
	for (i = 0; i < n; i++)
		if ((moves[i].from == NULL && moves[i].from_len > 0)
			|| (moves[i].to == NULL && moves[i].to_len > 0))
			return;

	g.n = n;
	g.nstates = 0;
	for (i = 0; i < n; i++)
	{
		g.from_id[i] = state_add(&g, moves[i].from, moves[i].from_len);
		g.to_id[i] = state_add(&g, moves[i].to, moves[i].to_len);
	}
	a = state_of(&g, from, from_len);
	b = state_of(&g, to, to_len);
	if (a < 0 || b < 0)
	{
		out->kind = RULE_MOVE_UNKNOWN;
		return;
	}
	if (a == b)
	{
		out->kind = RULE_MOVE_STAY;
		return;
	}
	move_search(&g, a, via);
	if (via[b] >= 0)
	{
		/* count, then write the path backwards from b */
		steps = 0;
		for (s = b; via[s] >= 0; s = g.from_id[via[s]])
			steps++;
		out->steps = steps;
		for (s = b, i = steps - 1; via[s] >= 0; s = g.from_id[via[s]], i--)
			out->path[i] = via[s];
		out->kind = steps == 1 ? RULE_MOVE_ALLOWED : RULE_MOVE_FORWARD;
		return;
	}
	move_search(&g, b, via);
	out->kind = via[a] != -1 ? RULE_MOVE_BACKWARD : RULE_MOVE_UNRELATED;
}
