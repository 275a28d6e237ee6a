/*
 * src/identity.c
 *		The acting identity: which org and user the current transaction acts
 *		for, with which roles, and what the row-level security policies need
 *		to know about that user, in a form every node can check.
 *
 * Row-level security policies ask booking.current_org_id(),
 * booking.current_user_id(), booking.current_roles(), booking.acting_is_*()
 * and booking.my_*_ids().  Their answer comes from one place only, the
 * parameter booking.identity.  booking.act_as(org, user) checks the
 * membership, computes what the policies need (the user's roles, resources,
 * clients, sessions and their clients' guardians) and sets the parameter,
 * with SET LOCAL, to a value signed with HMAC-SHA256 under a key that only
 * the extension reads (booking.identity_key: no privilege for anyone, read
 * here directly, without an ACL or row-level security check):
 *
 *   v1.<key id>.<base64 payload>.<base64 HMAC-SHA256 of what precedes it>
 *
 * The payload binds the value to one transaction and to an expiry.  Any role
 * may SET LOCAL the parameter (Citus propagates SET LOCAL to the workers
 * with citus.propagate_set_commands = 'local'; where Citus is installed,
 * act_as sets it by SPI as a SET LOCAL statement, so Citus sees and
 * forwards it), but a value
 * verifies only with the key, in the transaction it was made for and before
 * it expires; anything else is no identity.  The transaction is:
 *
 *   - with Citus in the database, Citus's distributed transaction id
 *     (get_current_transaction_id(): initiator node, transaction number and
 *     its timestamp), which the coordinator assigns (act_as makes sure it
 *     is) and hands to every worker connection of the same distributed
 *     transaction; a worker's local transaction is not the coordinator's;
 *   - otherwise the local transaction: database, postmaster start, backend
 *     and local transaction id of the leader (a parallel worker checks its
 *     leader's), and the transaction's start time.
 *
 * A superuser may still set an unsigned "<org uuid> <user uuid> <role>,..."
 * (maintenance, tests); the check hook refuses it from anyone else.
 *
 * Verification runs at most once per transaction and value: the assign
 * hook counts the changes of the parameter, and the result is kept for the
 * local transaction and that count; only the expiry is compared at each
 * call, with the statement's start.  The answers are built once in
 * TopTransactionContext, so a policy that calls these functions for every
 * row pays a few comparisons.
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/parallel.h"
#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "common/base64.h"
#include "common/cryptohash.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "storage/backendid.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/uuid.h"

#include "booking.h"
#include "hex.h"

/* The role labels of booking.org_role, in the order of the enum. */
static const char *const role_names[] = {
	"owner", "admin", "staff", "instructor", "student", "guardian"
};
#define NUM_ROLES lengthof(role_names)
#define ROLE_BIT(i) ((uint32) 1 << (i))
#define STAFF_ROLES (ROLE_BIT(0) | ROLE_BIT(1) | ROLE_BIT(2))
#define ADMIN_ROLES (ROLE_BIT(0) | ROLE_BIT(1))

/* The lists that travel in a signed identity, in payload order. */
enum
{
	LIST_RESOURCES,				/* resources linked to the user */
	LIST_CLIENTS,				/* own client record and a guardian's students */
	LIST_SESSIONS,				/* sessions run by those resources */
	LIST_GUARDIANS,				/* guardians of those clients */
	NUM_LISTS
};

#define SIGNED_PREFIX "v1."
#define BINDING_LEN 32
#define MAC_LEN PG_SHA256_DIGEST_LENGTH
/* lists longer than this are refused by act_as (the value would be huge) */
#define MAX_LIST 4096

static char *identity_guc = NULL;
static int	identity_lifetime = 3600;	/* seconds */

/*
 * booking.internal: on while one of the extension's own SECURITY DEFINER
 * functions (waitlist promotion, the scheduled-transition runner, hold
 * expiry) changes rows on behalf of the system rather than of the acting
 * user.  Those functions turn it on with a SET clause, so it reverts when
 * they return; PGC_SUSET keeps ordinary roles from turning it on.
 */
static bool booking_internal = false;

/*
 * booking.membership_refresh: on a distributed install, set (SET LOCAL,
 * which Citus forwards) by the engine's functions that write memberships
 * and by a DBA's maintenance write, who then refresh
 * booking.app_user.member_org_ids on the coordinator: the trigger
 * member_orgs on a worker's shard cannot write that reference table.  It
 * counts only for the tables' owner or a role that bypasses row-level
 * security (sql/code/91_member_orgs.sql), so anyone may set it.
 */
static bool membership_refresh = false;

/* Bumped by the assign hook at every change of booking.identity. */
static uint64 identity_generation = 1;

/*
 * The verified identity.  Valid while cache_generation equals
 * identity_generation and cache_lxid the local transaction; the arrays live
 * in TopTransactionContext.
 */
static uint64 cache_generation = 0;
static LocalTransactionId cache_lxid = InvalidLocalTransactionId;
static bool cache_ok = false;
static bool cache_plain = false;	/* unsigned superuser value: lists by query */
static bool cache_lists_loaded = false;
static pg_uuid_t cur_org;
static pg_uuid_t cur_user;
static uint32 cur_roles;
static TimestampTz cur_expiry;
static ArrayType *cur_lists[NUM_LISTS];
static ArrayType *cur_roles_array = NULL;

static SPIPlanPtr lists_plan = NULL;

static bool identity_check(char **newval, void **extra, GucSource source);
static void identity_assign(const char *newval, void *extra);

void
booking_identity_init(void)
{
	DefineCustomStringVariable("booking.identity",
							   "The signed identity (org, user, roles) the current transaction acts for.",
							   "Set by booking.act_as(); a value verifies only in the transaction it was signed for.",
							   &identity_guc,
							   "",
							   PGC_USERSET,
							   GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_NO_RESET_ALL |
							   GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE,
							   identity_check, identity_assign, NULL);
	DefineCustomIntVariable("booking.identity_lifetime",
							"How long a value signed by booking.act_as() verifies, in seconds.",
							"At most the length of its transaction in any case.",
							&identity_lifetime,
							3600, 1, 86400 * 7,
							PGC_SUSET,
							GUC_UNIT_S,
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
	DefineCustomBoolVariable("booking.membership_refresh",
							 "Whether the writer of memberships refreshes booking.app_user.member_org_ids itself (distributed installs).",
							 "Set with SET LOCAL by the engine's functions that write memberships; honoured only for the tables' owner or a role that bypasses row-level security.",
							 &membership_refresh,
							 false,
							 PGC_USERSET,
							 GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE,
							 NULL, NULL, NULL);
	MarkGUCPrefixReserved("booking");
}

/*
 * A signed value is checked when it is used (that needs a transaction and
 * the key); an unsigned one only a superuser may set.  A parallel worker
 * takes the leader's value as it is.
 */
static bool
identity_check(char **newval, void **extra, GucSource source)
{
	const char *v = *newval;

	if (v == NULL || v[0] == '\0' || strncmp(v, SIGNED_PREFIX, strlen(SIGNED_PREFIX)) == 0)
		return true;
	if (source == PGC_S_DEFAULT || InitializingParallelWorker)
		return true;
	if (IsTransactionState() && superuser())
		return true;
	GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
	GUC_check_errmsg("only booking.act_as() sets booking.identity");
	GUC_check_errdetail("An unsigned identity may be set by a superuser only.");
	GUC_check_errhint("Call booking.act_as(org_id, user_id).");
	return false;
}

static void
identity_assign(const char *newval, void *extra)
{
	identity_generation++;
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
		hi = core_hex_value(s[0]);
		lo = hi < 0 ? -1 : core_hex_value(s[1]);
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

/* An unsigned "<org> <user> <role>,<role>..." into cur_*. */
static bool
parse_plain(const char *s)
{
	if (!parse_uuid(s, &cur_org))
		return false;
	s = strchr(s, ' ');
	if (s == NULL || !parse_uuid(s + 1, &cur_user))
		return false;
	s = strchr(s + 1, ' ');
	cur_roles = 0;
	if (s != NULL)
	{
		s++;
		while (*s)
		{
			size_t		len = strcspn(s, ",");
			int			r = role_index(s, len);

			if (r >= 0)
				cur_roles |= ROLE_BIT(r);
			s += len;
			if (*s == ',')
				s++;
		}
	}
	cur_expiry = DT_NOEND;
	return true;
}

/*
 * The transaction a value is bound to, as BINDING_LEN bytes; false when
 * there is none to bind to (Citus without a distributed transaction id).
 * assign: make sure Citus has given the transaction its id (act_as).
 */
static bool citus_present(void);

static void
put_bytes(uint8 **p, const void *v, size_t len)
{
	memcpy(*p, v, len);
	*p += len;
}

static bool
current_binding(uint8 *out, bool assign)
{
	uint8	   *p = out;
	uint32		db = MyDatabaseId;

	memset(out, 0, BINDING_LEN);
	if (citus_present())
	{
		Oid			fn;
		Datum		d;
		HeapTupleHeader th;
		HeapTupleData tuple;
		TupleDesc	tupdesc;
		bool		isnull;
		int32		initiator;
		int64		number;
		TimestampTz stamp;

		if (assign)
		{
			void		(*ensure) (void);

			ensure = (void (*) (void)) load_external_function("$libdir/citus",
															  "EnsureDistributedTransactionId",
															  true, NULL);
			ensure();
		}
		fn = LookupFuncName(list_make2(makeString("pg_catalog"),
									   makeString("get_current_transaction_id")),
							0, NULL, false);
		d = OidFunctionCall0(fn);
		th = DatumGetHeapTupleHeader(d);
		tupdesc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(th),
										 HeapTupleHeaderGetTypMod(th));
		tuple.t_len = HeapTupleHeaderGetDatumLength(th);
		ItemPointerSetInvalid(&tuple.t_self);
		tuple.t_tableOid = InvalidOid;
		tuple.t_data = th;
		initiator = DatumGetInt32(heap_getattr(&tuple, 3, tupdesc, &isnull));
		number = DatumGetInt64(heap_getattr(&tuple, 4, tupdesc, &isnull));
		stamp = isnull ? 0 : DatumGetTimestampTz(heap_getattr(&tuple, 5, tupdesc, &isnull));
		if (isnull)
			stamp = 0;
		ReleaseTupleDesc(tupdesc);
		if (number == 0 && IsParallelWorker())
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("the identity cannot be verified in a parallel worker under Citus"),
					 errdetail("Citus gives a parallel worker no distributed transaction id to check the binding against."),
					 errhint("Run the query without parallel workers (max_parallel_workers_per_gather = 0).")));
		if (number == 0)
			return false;
		/* not the database's OID: it differs between coordinator and workers */
		*p++ = 'C';
		put_bytes(&p, &initiator, sizeof(initiator));
		put_bytes(&p, &number, sizeof(number));
		put_bytes(&p, &stamp, sizeof(stamp));
	}
	else
	{
		PGPROC	   *leader = MyProc->lockGroupLeader ? MyProc->lockGroupLeader : MyProc;
		int32		backend = ParallelLeaderBackendId == InvalidBackendId ?
			MyBackendId : ParallelLeaderBackendId;
		uint32		lxid = leader->lxid;
		TimestampTz start = GetCurrentTransactionStartTimestamp();
		TimestampTz pgstart = PgStartTime;

		*p++ = 'L';
		put_bytes(&p, &db, sizeof(db));
		put_bytes(&p, &backend, sizeof(backend));
		put_bytes(&p, &lxid, sizeof(lxid));
		put_bytes(&p, &start, sizeof(start));
		put_bytes(&p, &pgstart, sizeof(pgstart));
	}
	Assert(p - out <= BINDING_LEN);
	return true;
}

/* Whether Citus is installed in this database (once per transaction). */
static bool
citus_present(void)
{
	static LocalTransactionId checked = InvalidLocalTransactionId;
	static bool present = false;

	if (checked != MyProc->lxid)
	{
		present = OidIsValid(get_extension_oid("citus", true));
		checked = MyProc->lxid;
	}
	return present;
}

/*
 * The key with id key_id (or, with key_id 0, the newest) into secret; its
 * id into *id_out.  Read directly: nobody has a privilege on the table.
 */
/*
 * The relation that holds the keys: booking.identity_key, or, where Citus
 * has made it a reference table, its shard on this node (the table itself
 * is then an empty shell that only Citus's planner reads through).
 */
static Oid
key_relid(void)
{
	Oid			nsp = get_namespace_oid("booking", true);
	Oid			relid = OidIsValid(nsp) ? get_relname_relid("identity_key", nsp) : InvalidOid;
	Oid			dist;
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	Oid			shard = InvalidOid;

	if (!OidIsValid(relid) || !citus_present())
		return relid;
	dist = get_relname_relid("pg_dist_shard", PG_CATALOG_NAMESPACE);
	if (!OidIsValid(dist))
		return relid;
	rel = table_open(dist, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;
		Oid			logical = DatumGetObjectId(heap_getattr(tup, 1, RelationGetDescr(rel), &isnull));
		int64		shardid;

		if (isnull || logical != relid)
			continue;
		shardid = DatumGetInt64(heap_getattr(tup, 2, RelationGetDescr(rel), &isnull));
		if (isnull)
			continue;
		shard = get_relname_relid(psprintf("identity_key_" INT64_FORMAT, shardid), nsp);
		if (OidIsValid(shard))
			break;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	return OidIsValid(shard) ? shard : relid;
}

static bool
load_key(int32 key_id, int32 *id_out, uint8 **secret, int *secret_len)
{
	Oid			relid = key_relid();
	Relation	rel;
	TableScanDesc scan;
	HeapTuple	tup;
	Snapshot	snap;
	bool		found = false;
	int32		best = 0;

	if (!OidIsValid(relid))
		return false;
	rel = table_open(relid, AccessShareLock);
	snap = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
	scan = table_beginscan(rel, snap, 0, NULL);
	while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		bool		isnull;
		int32		id = DatumGetInt32(heap_getattr(tup, 1, RelationGetDescr(rel), &isnull));
		Datum		sd;
		bytea	   *b;

		if (isnull || (key_id != 0 && id != key_id) || (key_id == 0 && found && id <= best))
			continue;
		sd = heap_getattr(tup, 2, RelationGetDescr(rel), &isnull);
		if (isnull)
			continue;
		b = DatumGetByteaPCopy(sd);
		if (found)
			pfree(*secret);
		*secret_len = VARSIZE_ANY_EXHDR(b);
		*secret = palloc(*secret_len);
		memcpy(*secret, VARDATA_ANY(b), *secret_len);
		pfree(b);
		best = id;
		found = true;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	*id_out = best;
	return found;
}

static void
hmac_sha256(const uint8 *key, int key_len, const char *data, size_t len, uint8 *mac)
{
	pg_hmac_ctx *ctx = pg_hmac_create(PG_SHA256);

	if (ctx == NULL || pg_hmac_init(ctx, key, key_len) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) data, len) < 0 ||
		pg_hmac_final(ctx, mac, MAC_LEN) < 0)
	{
		const char *why = ctx ? pg_hmac_error(ctx) : "out of memory";

		pg_hmac_free(ctx);
		elog(ERROR, "could not compute HMAC-SHA256: %s", why);
	}
	pg_hmac_free(ctx);
}

static ArrayType *
uuid_array(const pg_uuid_t *ids, int n)
{
	Datum	   *elems = palloc(sizeof(Datum) * (n > 0 ? n : 1));
	int			i;

	for (i = 0; i < n; i++)
		elems[i] = UUIDPGetDatum(unconstify(pg_uuid_t *, &ids[i]));
	return construct_array(elems, n, UUIDOID, UUID_LEN, false, TYPALIGN_CHAR);
}

/*
 * The payload: 1 version byte, the binding, expiry (8), org (16), user
 * (16), roles (4), then per list a count (4) and its uuids, ascending.
 */
#define PAYLOAD_FIXED (1 + BINDING_LEN + 8 + UUID_LEN * 2 + 4)

/*
 * Verify the signed value s into cur_*; false when it does not verify.
 * *unbound: there was no transaction to check the binding against yet (a
 * Citus node before its distributed transaction id is assigned).
 */
static bool
verify_signed(const char *s, bool *unbound)
{
	const char *keypart = s + strlen(SIGNED_PREFIX);
	const char *dot1 = strchr(keypart, '.');
	const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	char	   *end;
	long		key_id;
	int32		found_id;
	uint8	   *secret;
	int			secret_len;
	uint8		mac[MAC_LEN];
	uint8		given[MAC_LEN + 4];
	int			given_len;
	int			b64_len;
	uint8	   *payload;
	int			payload_len;
	uint8		binding[BINDING_LEN];
	const uint8 *p;
	int			i;
	MemoryContext old;

	if (dot1 == NULL || dot2 == NULL || strchr(dot2 + 1, '.') != NULL)
		return false;
	errno = 0;
	key_id = strtol(keypart, &end, 10);
	if (errno != 0 || end != dot1 || key_id <= 0 || key_id > PG_INT32_MAX)
		return false;
	/* the MAC (pg_b64_decode refuses what would not fit) */
	if (strlen(dot2 + 1) > 64)
		return false;
	given_len = pg_b64_decode(dot2 + 1, strlen(dot2 + 1), (char *) given, sizeof(given));
	if (given_len != MAC_LEN)
		return false;
	if (!load_key((int32) key_id, &found_id, &secret, &secret_len))
		return false;
	hmac_sha256(secret, secret_len, s, dot2 - s, mac);
	pfree(secret);
	if (timingsafe_bcmp(mac, given, MAC_LEN) != 0)
		return false;

	/* signed by us: decode the payload */
	b64_len = dot2 - (dot1 + 1);
	payload = palloc(pg_b64_dec_len(b64_len) + 1);
	payload_len = pg_b64_decode(dot1 + 1, b64_len, (char *) payload, pg_b64_dec_len(b64_len) + 1);
	if (payload_len < PAYLOAD_FIXED || payload[0] != 1)
		return false;
	if (!current_binding(binding, false))
	{
		*unbound = true;
		return false;
	}
	if (memcmp(binding, payload + 1, BINDING_LEN) != 0)
		return false;
	p = payload + 1 + BINDING_LEN;
	memcpy(&cur_expiry, p, 8);
	p += 8;
	memcpy(cur_org.data, p, UUID_LEN);
	p += UUID_LEN;
	memcpy(cur_user.data, p, UUID_LEN);
	p += UUID_LEN;
	memcpy(&cur_roles, p, 4);
	p += 4;
	old = MemoryContextSwitchTo(TopTransactionContext);
	for (i = 0; i < NUM_LISTS; i++)
	{
		uint32		n;

		if (payload + payload_len - p < 4)
			break;
		memcpy(&n, p, 4);
		p += 4;
		if (n > MAX_LIST || (size_t) (payload + payload_len - p) < (size_t) n * UUID_LEN)
			break;
		cur_lists[i] = uuid_array((const pg_uuid_t *) p, (int) n);
		p += (size_t) n * UUID_LEN;
	}
	MemoryContextSwitchTo(old);
	if (i < NUM_LISTS || p != payload + payload_len)
		return false;
	pfree(payload);
	return true;
}

/*
 * Bring the cache up to date with booking.identity; return whether an
 * identity holds now.  Once per transaction and value, then a few compares.
 */
static bool
identity_load(void)
{
	const char *s = identity_guc;

	if (s == NULL || s[0] == '\0')
		return false;
	if (cache_generation != identity_generation || cache_lxid != MyProc->lxid)
	{
		bool		ok;
		int			i;

		cache_ok = false;
		cache_lists_loaded = false;
		cur_roles_array = NULL;
		for (i = 0; i < NUM_LISTS; i++)
			cur_lists[i] = NULL;
		if (strncmp(s, SIGNED_PREFIX, strlen(SIGNED_PREFIX)) == 0)
		{
			bool		unbound = false;

			cache_plain = false;
			ok = verify_signed(s, &unbound);
			cache_lists_loaded = ok;
			/* no distributed transaction id yet: ask again next time */
			if (unbound)
				return false;
		}
		else
		{
			cache_plain = true;
			ok = parse_plain(s);
		}
		cache_ok = ok;
		cache_generation = identity_generation;
		cache_lxid = MyProc->lxid;
	}
	return cache_ok && GetCurrentStatementStartTimestamp() < cur_expiry;
}

/* Run as the owner of schema booking (the extension's owner). */
static Oid
schema_owner(void)
{
	HeapTuple	tup = SearchSysCache1(NAMESPACENAME, CStringGetDatum("booking"));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "schema booking is missing");
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * What the policies need about user in org, by one query as the extension's
 * owner: roles (text[], NULL when not an active member) and the lists.
 */
static const char *const lists_sql =
"WITH c AS ("
"  SELECT c.id FROM booking.client c"
"   WHERE c.org_id OPERATOR(pg_catalog.=) $1 AND c.user_id OPERATOR(pg_catalog.=) $2"
"  UNION"
"  SELECT cg.client_id FROM booking.guardian g"
"    JOIN booking.client_guardian cg"
"      ON cg.org_id OPERATOR(pg_catalog.=) g.org_id AND cg.guardian_id OPERATOR(pg_catalog.=) g.id"
"   WHERE g.org_id OPERATOR(pg_catalog.=) $1 AND g.user_id OPERATOR(pg_catalog.=) $2),"
" r AS ("
"  SELECT r.id FROM booking.resource r"
"   WHERE r.org_id OPERATOR(pg_catalog.=) $1 AND r.user_id OPERATOR(pg_catalog.=) $2)"
" SELECT"
"  (SELECT pg_catalog.array_agg(m.role::pg_catalog.text ORDER BY m.role)"
"     FROM booking.membership m"
"     JOIN booking.app_user u ON u.id OPERATOR(pg_catalog.=) m.user_id"
"    WHERE m.org_id OPERATOR(pg_catalog.=) $1 AND m.user_id OPERATOR(pg_catalog.=) $2 AND u.active),"
"  (SELECT pg_catalog.array_agg(r.id ORDER BY r.id) FROM r),"
"  (SELECT pg_catalog.array_agg(c.id ORDER BY c.id) FROM c),"
"  (SELECT pg_catalog.array_agg(s.id ORDER BY s.id) FROM booking.session s"
"    WHERE s.org_id OPERATOR(pg_catalog.=) $1 AND s.resource_id IN (SELECT r.id FROM r)),"
"  (SELECT pg_catalog.array_agg(DISTINCT cg.guardian_id ORDER BY cg.guardian_id)"
"     FROM booking.client_guardian cg"
"    WHERE cg.org_id OPERATOR(pg_catalog.=) $1 AND cg.client_id IN (SELECT c.id FROM c))";

/*
 * Run the one-row query sql (prepared once into *plan, kept) with values as
 * the schema's owner, and hand its row to read while SPI is still connected
 * (read copies out what it keeps, into a context that outlives SPI).  what
 * names the query in the cannot-happen errors.
 */
typedef void (*OwnerRowReader) (HeapTuple row, TupleDesc desc, void *arg);

static void
owner_query_row(SPIPlanPtr *plan, const char *sql, int nargs, Oid *argtypes,
				Datum *values, const char *what, OwnerRowReader read, void *arg)
{
	Oid			save_user;
	int			save_sec;

	GetUserIdAndSecContext(&save_user, &save_sec);
	SetUserIdAndSecContext(schema_owner(), save_sec | SECURITY_LOCAL_USERID_CHANGE);
	PG_TRY();
	{
		int			ret;

		SPI_connect();
		if (*plan == NULL)
		{
			SPIPlanPtr	p = SPI_prepare(sql, nargs, argtypes);

			if (p == NULL)
				elog(ERROR, "%s query failed to prepare: %s",
					 what, SPI_result_code_string(SPI_result));
			SPI_keepplan(p);
			*plan = p;
		}
		ret = SPI_execute_plan(*plan, values, NULL, true, 1);
		if (ret != SPI_OK_SELECT || SPI_processed != 1)
			elog(ERROR, "%s query failed: %s", what, SPI_result_code_string(ret));
		read(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, arg);
		SPI_finish();
	}
	PG_FINALLY();
	{
		SetUserIdAndSecContext(save_user, save_sec);
	}
	PG_END_TRY();
}

/* What compute_lists gives read_lists and gets back. */
typedef struct ListsResult
{
	MemoryContext caller;
	uint32	   *roles;
	pg_uuid_t **out;
	int		   *counts;
	bool		member;
} ListsResult;

static void
read_lists(HeapTuple row, TupleDesc desc, void *arg)
{
	ListsResult *res = (ListsResult *) arg;
	int			i;

	*res->roles = 0;
	for (i = 0; i <= NUM_LISTS; i++)
	{
		bool		isnull;
		Datum		d = SPI_getbinval(row, desc, i + 1, &isnull);
		Datum	   *elems;
		int			n;
		int			j;

		if (i == 0)
		{
			if (isnull)
				continue;
			res->member = true;
			deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false, TYPALIGN_INT,
							  &elems, NULL, &n);
			for (j = 0; j < n; j++)
			{
				char	   *name = TextDatumGetCString(elems[j]);
				int			r = role_index(name, strlen(name));

				if (r >= 0)
					*res->roles |= ROLE_BIT(r);
			}
			continue;
		}
		res->counts[i - 1] = 0;
		res->out[i - 1] = MemoryContextAlloc(res->caller, sizeof(pg_uuid_t));
		if (isnull)
			continue;
		deconstruct_array(DatumGetArrayTypeP(d), UUIDOID, UUID_LEN, false, TYPALIGN_CHAR,
						  &elems, NULL, &n);
		if (n > MAX_LIST)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("the acting user stands for more than %d resources, clients, sessions or guardians",
							MAX_LIST)));
		res->out[i - 1] = MemoryContextAlloc(res->caller, sizeof(pg_uuid_t) * (n > 0 ? n : 1));
		for (j = 0; j < n; j++)
			memcpy(&res->out[i - 1][j], DatumGetUUIDP(elems[j]), sizeof(pg_uuid_t));
		res->counts[i - 1] = n;
	}
}

/*
 * Compute roles and lists for (org, user); roles into *roles (false when
 * not an active member), lists into out[] (palloc'd in the caller's
 * context, sorted).  Runs as the schema's owner.
 */
static bool
compute_lists(const pg_uuid_t *org, const pg_uuid_t *user, uint32 *roles,
			  pg_uuid_t **out, int *counts)
{
	Oid			argtypes[2] = {UUIDOID, UUIDOID};
	Datum		values[2];
	ListsResult res = {CurrentMemoryContext, roles, out, counts, false};

	values[0] = booking_uuid_datum(org);
	values[1] = booking_uuid_datum(user);
	owner_query_row(&lists_plan, lists_sql, 2, argtypes, values, "identity lists",
					read_lists, &res);
	return res.member;
}

/* For an unsigned identity: the lists by query, once per transaction. */
static void
ensure_lists(void)
{
	pg_uuid_t  *lists[NUM_LISTS];
	int			counts[NUM_LISTS];
	uint32		roles;
	MemoryContext old;
	int			i;

	if (cache_lists_loaded)
		return;
	old = MemoryContextSwitchTo(TopTransactionContext);
	(void) compute_lists(&cur_org, &cur_user, &roles, lists, counts);
	for (i = 0; i < NUM_LISTS; i++)
		cur_lists[i] = uuid_array(lists[i], counts[i]);
	MemoryContextSwitchTo(old);
	cache_lists_loaded = true;
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
 * return false when no identity holds.
 */
bool
booking_acting_org(pg_uuid_t *org)
{
	if (!identity_load())
		return false;
	memcpy(org, &cur_org, sizeof(pg_uuid_t));
	return true;
}

/* The org the current transaction acts for, or NULL. */
PG_FUNCTION_INFO_V1(booking_current_org_id);
Datum
booking_current_org_id(PG_FUNCTION_ARGS)
{
	if (!identity_load())
		PG_RETURN_NULL();
	PG_RETURN_DATUM(uuid_datum(&cur_org));
}

/* The user the current transaction acts for, or NULL. */
PG_FUNCTION_INFO_V1(booking_current_user_id);
Datum
booking_current_user_id(PG_FUNCTION_ARGS)
{
	if (!identity_load())
		PG_RETURN_NULL();
	PG_RETURN_DATUM(uuid_datum(&cur_user));
}

/* Whether the acting user is owner, admin or staff of the acting org. */
PG_FUNCTION_INFO_V1(booking_acting_is_staff);
Datum
booking_acting_is_staff(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(identity_load() && (cur_roles & STAFF_ROLES) != 0);
}

/* Whether the acting user is owner or admin of the acting org. */
PG_FUNCTION_INFO_V1(booking_acting_is_admin);
Datum
booking_acting_is_admin(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(identity_load() && (cur_roles & ADMIN_ROLES) != 0);
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
static bool
caller_bypasses_rls(void)
{
	Oid			caller = GetOuterUserId();

	return superuser_arg(caller) || has_bypassrls_privilege(caller);
}

PG_FUNCTION_INFO_V1(booking_caller_bypasses_rls);
Datum
booking_caller_bypasses_rls(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(caller_bypasses_rls());
}

/*
 * Maintenance (restores, data loads): a privileged caller that presents no
 * identity at all, outside the extension's system actions.  A caller that
 * presents a value, valid or not (forged, expired, of another transaction),
 * is never maintenance: it is that identity, or nobody.
 */
PG_FUNCTION_INFO_V1(booking_writing_as_maintenance);
Datum
booking_writing_as_maintenance(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL((identity_guc == NULL || identity_guc[0] == '\0')
				   && !booking_internal && caller_bypasses_rls());
}

/*
 * The roles of the acting user in the acting org, as booking.org_role[]
 * (empty when no identity holds).
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
	MemoryContext old;

	if (!OidIsValid(enumtype) || !type_is_enum(enumtype))
		elog(ERROR, "booking.current_roles() must return an array of booking.org_role");

	if (!identity_load())
		PG_RETURN_ARRAYTYPE_P(construct_empty_array(enumtype));
	if (cur_roles_array == NULL)
	{
		for (i = 0; i < (int) NUM_ROLES; i++)
		{
			HeapTuple	tup;

			if ((cur_roles & ROLE_BIT(i)) == 0)
				continue;
			tup = SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(enumtype),
								  CStringGetDatum(role_names[i]));
			if (!HeapTupleIsValid(tup))
				elog(ERROR, "role \"%s\" is missing from booking.org_role", role_names[i]);
			elems[n++] = ObjectIdGetDatum(((Form_pg_enum) GETSTRUCT(tup))->oid);
			ReleaseSysCache(tup);
		}
		old = MemoryContextSwitchTo(TopTransactionContext);
		cur_roles_array = construct_array(elems, n, enumtype, sizeof(Oid), true, TYPALIGN_INT);
		MemoryContextSwitchTo(old);
	}
	PG_RETURN_ARRAYTYPE_P(cur_roles_array);
}

/* One of the lists of the identity ('{}' when no identity holds). */
static Datum
identity_list(int which)
{
	if (!identity_load())
		return PointerGetDatum(construct_empty_array(UUIDOID));
	ensure_lists();
	return PointerGetDatum(cur_lists[which]);
}

/* The resources (instructor, facilitator) linked to the acting user. */
PG_FUNCTION_INFO_V1(booking_my_resource_ids);
Datum
booking_my_resource_ids(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(identity_list(LIST_RESOURCES));
}

/* The clients the acting user acts for: their own, a guardian's students. */
PG_FUNCTION_INFO_V1(booking_my_client_ids);
Datum
booking_my_client_ids(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(identity_list(LIST_CLIENTS));
}

/* The sessions run by the acting user's resources. */
PG_FUNCTION_INFO_V1(booking_my_session_ids);
Datum
booking_my_session_ids(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(identity_list(LIST_SESSIONS));
}

/* The guardians of the clients the acting user acts for. */
PG_FUNCTION_INFO_V1(booking_my_guardian_ids);
Datum
booking_my_guardian_ids(PG_FUNCTION_ARGS)
{
	PG_RETURN_DATUM(identity_list(LIST_GUARDIANS));
}

/*
 * booking.act_as(org_id uuid, user_id uuid) returns booking.org_role[]
 *
 * Make the current transaction act for user_id in org_id, after checking
 * that the user is an active member of that org; return the user's roles
 * there.  Declared SECURITY DEFINER so that the membership check sees every
 * row.  Signs the identity (see the head of this file) and sets it with a
 * SET LOCAL statement, which Citus forwards to the workers.
 */
PG_FUNCTION_INFO_V1(booking_act_as);
Datum
booking_act_as(PG_FUNCTION_ARGS)
{
	pg_uuid_t  *org;
	pg_uuid_t  *user;
	pg_uuid_t  *lists[NUM_LISTS];
	int			counts[NUM_LISTS];
	uint32		roles = 0;
	StringInfoData payload;
	StringInfoData value;
	StringInfoData stmt;
	uint8		binding[BINDING_LEN];
	uint8		version = 1;
	TimestampTz expiry;
	int32		key_id;
	uint8	   *secret;
	int			secret_len;
	uint8		mac[MAC_LEN];
	char	   *b64;
	int			b64_len;
	int			i;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("org_id and user_id of booking.act_as() must not be null")));
	org = PG_GETARG_UUID_P(0);
	user = PG_GETARG_UUID_P(1);

	if (!compute_lists(org, user, &roles, lists, counts))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("user %s is not an active member of org %s",
						booking_uuid_str(user), booking_uuid_str(org)),
				 errhint("Add a row to booking.membership for this user and org.")));

	if (!current_binding(binding, true))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TRANSACTION_STATE),
				 errmsg("the current transaction has no distributed transaction id to bind the identity to")));
	if (!load_key(0, &key_id, &secret, &secret_len))
	{
		/* none yet (say, after a restore, which does not carry the key) */
		SPI_connect();
		if (SPI_execute("INSERT INTO booking.identity_key (secret)"
						" SELECT pg_catalog.decode(pg_catalog.replace(pg_catalog.gen_random_uuid()::pg_catalog.text"
						"   OPERATOR(pg_catalog.||) pg_catalog.gen_random_uuid()::pg_catalog.text"
						"   OPERATOR(pg_catalog.||) pg_catalog.gen_random_uuid()::pg_catalog.text, '-', ''), 'hex')",
						false, 0) != SPI_OK_INSERT)
			elog(ERROR, "could not make an identity key");
		SPI_finish();
		CommandCounterIncrement();
		if (!load_key(0, &key_id, &secret, &secret_len))
			elog(ERROR, "identity key missing after insert");
	}
	expiry = GetCurrentTimestamp() + (TimestampTz) identity_lifetime * USECS_PER_SEC;

	initStringInfo(&payload);
	appendBinaryStringInfo(&payload, (char *) &version, 1);
	appendBinaryStringInfo(&payload, (char *) binding, BINDING_LEN);
	appendBinaryStringInfo(&payload, (char *) &expiry, 8);
	appendBinaryStringInfo(&payload, (char *) org->data, UUID_LEN);
	appendBinaryStringInfo(&payload, (char *) user->data, UUID_LEN);
	appendBinaryStringInfo(&payload, (char *) &roles, 4);
	for (i = 0; i < NUM_LISTS; i++)
	{
		uint32		n = counts[i];

		appendBinaryStringInfo(&payload, (char *) &n, 4);
		appendBinaryStringInfo(&payload, (char *) lists[i], (int) n * UUID_LEN);
	}

	initStringInfo(&value);
	appendStringInfo(&value, "%s%d.", SIGNED_PREFIX, key_id);
	b64_len = pg_b64_enc_len(payload.len);
	b64 = palloc(b64_len + 1);
	b64_len = pg_b64_encode(payload.data, payload.len, b64, b64_len);
	if (b64_len < 0)
		elog(ERROR, "could not encode the identity");
	appendBinaryStringInfo(&value, b64, b64_len);
	hmac_sha256(secret, secret_len, value.data, value.len, mac);
	appendStringInfoChar(&value, '.');
	b64 = palloc(pg_b64_enc_len(MAC_LEN) + 1);
	b64_len = pg_b64_encode((char *) mac, MAC_LEN, b64, pg_b64_enc_len(MAC_LEN));
	if (b64_len < 0)
		elog(ERROR, "could not encode the identity");
	appendBinaryStringInfo(&value, b64, b64_len);

	if (citus_present())
	{
		/* a SET LOCAL statement, which Citus propagates to the workers */
		initStringInfo(&stmt);
		appendStringInfo(&stmt, "SET LOCAL booking.identity = %s", quote_literal_cstr(value.data));
		SPI_connect();
		if (SPI_execute(stmt.data, false, 0) != SPI_OK_UTILITY)
			elog(ERROR, "could not set booking.identity");
		SPI_finish();
	}
	else
		(void) set_config_option("booking.identity", value.data,
								 PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
								 true, 0, false);

	/* the cache holds what was just signed: no need to verify it again */
	cache_generation = identity_generation;
	cache_lxid = MyProc->lxid;
	cache_ok = true;
	cache_plain = false;
	cache_lists_loaded = true;
	cur_roles_array = NULL;
	memcpy(&cur_org, org, sizeof(pg_uuid_t));
	memcpy(&cur_user, user, sizeof(pg_uuid_t));
	cur_roles = roles;
	cur_expiry = expiry;
	{
		MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);

		for (i = 0; i < NUM_LISTS; i++)
			cur_lists[i] = uuid_array(lists[i], counts[i]);
		MemoryContextSwitchTo(old);
	}

	/* answer with the roles, in the same form as booking.current_roles() */
	PG_RETURN_DATUM(booking_current_roles(fcinfo));
}

/*
 * booking.sorted_uuids_contain(ids uuid[], id uuid) returns bool
 *
 * Whether id is an element of ids, an array sorted ascending (uuid order is
 * the order of the 16 bytes, as uuid_cmp's) without NULLs, by binary search.
 * The policies that let a member see the rows of their own bookings test
 * each row against one such array per statement (booking.my_client_ids()):
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
