/*
 * src/identity.c
 *		The acting identity: which org and user the current transaction acts
 *		for, and with which roles.
 *
 * Row-level security policies ask booking.current_org_id(),
 * booking.current_user_id() and booking.current_roles().  Their answer comes
 * from one place only, the internal parameter booking.identity, which is
 * defined here as PGC_SUSET: an ordinary role cannot SET it, nor set it with
 * set_config(), nor through ALTER ROLE ... SET.  The only way for a
 * non-superuser to obtain an identity is booking.act_as(org, user), which
 * checks the membership and then sets the parameter for the rest of the
 * current transaction (the semantics of SET LOCAL, including rollback to a
 * savepoint).  Who may call act_as is decided by GRANT EXECUTE.
 *
 * The value is "<org uuid> <user uuid> <role>,<role>..." and is parsed at
 * most once per change.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/uuid.h"
#include "catalog/pg_enum.h"
#include "access/htup_details.h"

#include "booking.h"

/* The role labels of booking.org_role, in the order of the enum. */
static const char *const role_names[] = {
	"owner", "admin", "staff", "instructor", "student", "guardian"
};
#define NUM_ROLES lengthof(role_names)

static char *identity_guc = NULL;

/*
 * booking.internal: on while one of the extension's own SECURITY DEFINER
 * functions (waitlist promotion, the scheduled-transition runner, hold
 * expiry) changes rows on behalf of the system rather than of the acting
 * user.  Those functions turn it on with a SET clause, so it reverts when
 * they return; PGC_SUSET keeps ordinary roles from turning it on.
 */
static bool booking_internal = false;

/* Parsed form of identity_guc, valid while parsed_from equals it. */
static char parsed_from[256];
static bool parsed_valid = false;
static pg_uuid_t parsed_org;
static pg_uuid_t parsed_user;
static uint32 parsed_roles;

void
booking_identity_init(void)
{
	DefineCustomStringVariable("booking.identity",
							   "The org, user and roles the current transaction acts for.",
							   "Set only by booking.act_as(); not settable by ordinary roles.",
							   &identity_guc,
							   "",
							   PGC_SUSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_NO_RESET_ALL |
							   GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE,
							   NULL, NULL, NULL);
	DefineCustomBoolVariable("booking.internal",
							 "Whether the extension itself, not the acting user, is changing rows.",
							 "Turned on only by the SET clause of the extension's own functions.",
							 &booking_internal,
							 false,
							 PGC_SUSET,
							 GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_NO_RESET_ALL |
							 GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("booking");
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool
parse_uuid(const char *s, pg_uuid_t *out)
{
	int			i;

	for (i = 0; i < UUID_LEN; i++)
	{
		int			hi,
					lo;

		if (*s == '-')
			s++;
		hi = hex_digit(s[0]);
		lo = hi < 0 ? -1 : hex_digit(s[1]);
		if (lo < 0)
			return false;
		out->data[i] = (unsigned char) ((hi << 4) | lo);
		s += 2;
	}
	return *s == ' ' || *s == '\0';
}

static int
role_index(const char *name, size_t len)
{
	int			i;

	for (i = 0; i < (int) NUM_ROLES; i++)
		if (strlen(role_names[i]) == len && strncmp(role_names[i], name, len) == 0)
			return i;
	return -1;
}

/*
 * Parse identity_guc into the static fields; return false when no identity
 * is set.  A malformed value (only a superuser can produce one) is treated
 * as no identity.
 */
static bool
identity_load(void)
{
	const char *s = identity_guc;

	if (s == NULL || s[0] == '\0')
		return false;
	if (parsed_valid && strcmp(parsed_from, s) == 0)
		return true;

	parsed_valid = false;
	if (strlen(s) >= sizeof(parsed_from))
		return false;
	if (!parse_uuid(s, &parsed_org))
		return false;
	s = strchr(s, ' ');
	if (s == NULL || !parse_uuid(s + 1, &parsed_user))
		return false;
	s = strchr(s + 1, ' ');
	parsed_roles = 0;
	if (s != NULL)
	{
		s++;
		while (*s)
		{
			size_t		len = strcspn(s, ",");
			int			r = role_index(s, len);

			if (r >= 0)
				parsed_roles |= (uint32) 1 << r;
			s += len;
			if (*s == ',')
				s++;
		}
	}
	strlcpy(parsed_from, identity_guc, sizeof(parsed_from));
	parsed_valid = true;
	return true;
}

static Datum
uuid_datum(const pg_uuid_t *u)
{
	pg_uuid_t  *copy = palloc(sizeof(pg_uuid_t));

	memcpy(copy, u, sizeof(pg_uuid_t));
	return UUIDPGetDatum(copy);
}

/*
 * For the other C files: copy the acting org into *org and return true, or
 * return false when no identity is set.
 */
bool
booking_acting_org(pg_uuid_t *org)
{
	if (!identity_load())
		return false;
	memcpy(org, &parsed_org, sizeof(pg_uuid_t));
	return true;
}

/* The org the current transaction acts for, or NULL. */
PG_FUNCTION_INFO_V1(booking_current_org_id);
Datum
booking_current_org_id(PG_FUNCTION_ARGS)
{
	if (!identity_load())
		PG_RETURN_NULL();
	PG_RETURN_DATUM(uuid_datum(&parsed_org));
}

/* The user the current transaction acts for, or NULL. */
PG_FUNCTION_INFO_V1(booking_current_user_id);
Datum
booking_current_user_id(PG_FUNCTION_ARGS)
{
	if (!identity_load())
		PG_RETURN_NULL();
	PG_RETURN_DATUM(uuid_datum(&parsed_user));
}

/*
 * Whether the extension's own code is changing rows (booking.internal).
 */
PG_FUNCTION_INFO_V1(booking_acting_is_system);
Datum
booking_acting_is_system(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(booking_internal);
}

/*
 * Whether the caller bypasses row-level security: the role the session acts
 * as at the outer level (the role of SET ROLE, else the login role) is a
 * superuser or has BYPASSRLS.  GetOuterUserId() is not changed by SECURITY
 * DEFINER functions, so this answers for the caller even inside one.  The
 * privileged-caller test of the whole extension (booking.writing_as_maintenance
 * is this without an identity).
 */
PG_FUNCTION_INFO_V1(booking_caller_bypasses_rls);
Datum
booking_caller_bypasses_rls(PG_FUNCTION_ARGS)
{
	Oid			caller = GetOuterUserId();

	PG_RETURN_BOOL(superuser_arg(caller) || has_bypassrls_privilege(caller));
}

/*
 * The roles of the acting user in the acting org, as booking.org_role[]
 * (empty when no identity is set).
 */
PG_FUNCTION_INFO_V1(booking_current_roles);
Datum
booking_current_roles(PG_FUNCTION_ARGS)
{
	Oid			arraytype = get_fn_expr_rettype(fcinfo->flinfo);
	Oid			enumtype = get_element_type(arraytype);
	Datum		elems[NUM_ROLES];
	int			n = 0;
	int			i;

	if (!OidIsValid(enumtype) || !type_is_enum(enumtype))
		elog(ERROR, "booking.current_roles() must return an array of booking.org_role");

	if (identity_load())
	{
		for (i = 0; i < (int) NUM_ROLES; i++)
		{
			HeapTuple	tup;

			if ((parsed_roles & ((uint32) 1 << i)) == 0)
				continue;
			tup = SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(enumtype),
								  CStringGetDatum(role_names[i]));
			if (!HeapTupleIsValid(tup))
				elog(ERROR, "role \"%s\" is missing from booking.org_role", role_names[i]);
			elems[n++] = ObjectIdGetDatum(((Form_pg_enum) GETSTRUCT(tup))->oid);
			ReleaseSysCache(tup);
		}
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, enumtype, sizeof(Oid), true, TYPALIGN_INT));
}

/*
 * booking.act_as(org_id uuid, user_id uuid) returns booking.org_role[]
 *
 * Make the current transaction act for user_id in org_id, after checking
 * that the user is a member of that org; return the user's roles there.
 * Declared SECURITY DEFINER so that the membership check sees every row.
 */
PG_FUNCTION_INFO_V1(booking_act_as);
Datum
booking_act_as(PG_FUNCTION_ARGS)
{
	Oid			argtypes[2] = {UUIDOID, UUIDOID};
	Datum		values[2];
	StringInfoData buf;
	int			ret;
	uint64		i;
	Datum		result;
	char	   *org_text;
	char	   *user_text;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("org_id and user_id of booking.act_as() must not be null")));

	values[0] = PG_GETARG_DATUM(0);
	values[1] = PG_GETARG_DATUM(1);
	org_text = DatumGetCString(DirectFunctionCall1(uuid_out, values[0]));
	user_text = DatumGetCString(DirectFunctionCall1(uuid_out, values[1]));

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s %s ", org_text, user_text);

	SPI_connect();
	ret = SPI_execute_with_args(
								"SELECT m.role::pg_catalog.text"
								"  FROM booking.membership m"
								"  JOIN booking.app_user u ON u.id OPERATOR(pg_catalog.=) m.user_id"
								" WHERE m.org_id OPERATOR(pg_catalog.=) $1"
								"   AND m.user_id OPERATOR(pg_catalog.=) $2"
								"   AND u.active"
								" ORDER BY m.role",
								2, argtypes, values, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "membership lookup failed: %s", SPI_result_code_string(ret));
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("user %s is not an active member of org %s", user_text, org_text),
				 errhint("Add a row to booking.membership for this user and org.")));
	for (i = 0; i < SPI_processed; i++)
	{
		char	   *role = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1);

		appendStringInfo(&buf, "%s%s", i > 0 ? "," : "", role);
	}
	SPI_finish();

	(void) set_config_option("booking.identity", buf.data,
							 PGC_SUSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
							 true, 0, false);

	/* answer with the roles, in the same form as booking.current_roles() */
	result = booking_current_roles(fcinfo);
	PG_RETURN_DATUM(result);
}

/*
 * booking.sorted_uuids_contain(ids uuid[], id uuid) returns bool
 *
 * Whether id is an element of ids, an array sorted ascending (uuid order is
 * the order of the 16 bytes, as uuid_cmp's) without NULLs, by binary search.
 * The policies that let a member see the rows of their own bookings test
 * each row against one such array per statement (booking.my_booking_ids()):
 * a per-row cost of a few comparisons, where "= ANY (array)" is linear in
 * the array and an EXISTS subquery makes the planner's estimate, and with
 * it JIT compilation, grow with the table.  An unsorted array answers
 * wrongly but safely (false where true), never out of bounds.
 */
PG_FUNCTION_INFO_V1(booking_sorted_uuids_contain);
Datum
booking_sorted_uuids_contain(PG_FUNCTION_ARGS)
{
	ArrayType  *ids = PG_GETARG_ARRAYTYPE_P(0);
	pg_uuid_t  *id = PG_GETARG_UUID_P(1);
	const pg_uuid_t *elems;
	int			lo,
				hi;

	if (ARR_ELEMTYPE(ids) != UUIDOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("ids must be an array of uuid")));
	if (ARR_NDIM(ids) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("ids must be a one-dimensional array")));
	if (ARR_HASNULL(ids))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("ids must not contain null elements")));
	if (ARR_NDIM(ids) == 0)
		PG_RETURN_BOOL(false);
	elems = (const pg_uuid_t *) ARR_DATA_PTR(ids);
	lo = 0;
	hi = ArrayGetNItems(ARR_NDIM(ids), ARR_DIMS(ids)) - 1;
	while (lo <= hi)
	{
		int			mid = lo + (hi - lo) / 2;
		int			c = memcmp(elems[mid].data, id->data, UUID_LEN);

		if (c == 0)
			PG_RETURN_BOOL(true);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	PG_RETURN_BOOL(false);
}
