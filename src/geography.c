/*
 * src/geography.c
 *		PostGIS geography values as the travel core's points: the one
 *		reader of a point (SRID 4326, not empty, finite, in range) for every
 *		C function, and booking.checked_point(), which applies it in SQL.
 *
 * The value is read through PostGIS's own functions (st_srid,
 * st_asbinary, geometrytype), looked up once per backend in the schema of
 * the postgis extension, so that no PostGIS header or library is linked.
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"

#include "booking.h"
#include "core/travel.h"
#include "travel_time.h"

/* SRID of WGS 84, the only one accepted. */
#define WGS84_SRID 4326

/* PostGIS functions used to read a geography value, looked up once. */
typedef struct PostgisFuncs
{
	bool		ready;
	FmgrInfo	srid;			/* st_srid(geography) */
	FmgrInfo	binary;			/* st_asbinary(geography) */
	FmgrInfo	type_name;		/* geometrytype(geography) */
} PostgisFuncs;

static PostgisFuncs postgis;

static void
lookup_postgis_function(FmgrInfo *finfo, Oid nsp, const char *name, Oid argtype)
{
	List	   *qname = list_make2(makeString(get_namespace_name(nsp)), makeString(pstrdup(name)));
	Oid			fn = LookupFuncName(qname, 1, &argtype, false);

	fmgr_info_cxt(fn, finfo, TopMemoryContext);
}

static void
postgis_init(void)
{
	Oid			nsp;
	Oid			geography;
	bool		isnull;

	if (postgis.ready)
		return;
	/* get_extension_schema() is not exported before PostgreSQL 16 */
	SPI_connect();
	if (SPI_execute("SELECT extnamespace FROM pg_catalog.pg_extension"
					" WHERE extname OPERATOR(pg_catalog.=) 'postgis'", true, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "extension postgis is not installed");
	nsp = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	SPI_finish();
	geography = GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid,
								CStringGetDatum("geography"), ObjectIdGetDatum(nsp));
	if (!OidIsValid(geography))
		elog(ERROR, "type geography of postgis not found");
	lookup_postgis_function(&postgis.srid, nsp, "st_srid", geography);
	lookup_postgis_function(&postgis.binary, nsp, "st_asbinary", geography);
	lookup_postgis_function(&postgis.type_name, nsp, "geometrytype", geography);
	postgis.ready = true;
}

static double
wkb_double(const unsigned char *p, bool little)
{
	unsigned char b[8];
	double		d;
	int			i;
	union
	{
		uint16		u;
		unsigned char c[2];
	}			probe = {1};
	bool		host_little = probe.c[0] == 1;

	for (i = 0; i < 8; i++)
		b[i] = (little == host_little) ? p[i] : p[7 - i];
	memcpy(&d, b, 8);
	return d;
}

static uint32
wkb_uint32(const unsigned char *p, bool little)
{
	return little ? ((uint32) p[0] | (uint32) p[1] << 8 | (uint32) p[2] << 16 | (uint32) p[3] << 24)
		: ((uint32) p[3] | (uint32) p[2] << 8 | (uint32) p[1] << 16 | (uint32) p[0] << 24);
}

/*
 * Read a geography point (SRID 4326, not empty, finite, in range) into *out.
 * what names the argument in error messages.
 */
void
booking_point_from_geography(Datum geog, const char *what, TravelPoint *out)
{
	int32		srid;
	bytea	   *wkb;
	const unsigned char *p;
	bool		little;
	uint32		type;

	postgis_init();
	srid = DatumGetInt32(FunctionCall1(&postgis.srid, geog));
	if (srid != WGS84_SRID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be in SRID %d, not %d", what, WGS84_SRID, srid),
				 errhint("Use ST_Transform(geometry, 4326)::geography, or a geography literal without an SRID.")));
	wkb = DatumGetByteaPP(FunctionCall1(&postgis.binary, geog));
	p = (const unsigned char *) VARDATA_ANY(wkb);
	if (VARSIZE_ANY_EXHDR(wkb) < 5)
		elog(ERROR, "st_asbinary returned %zu bytes", (size_t) VARSIZE_ANY_EXHDR(wkb));
	little = p[0] == 1;
	type = wkb_uint32(p + 1, little);
	/* ISO WKB: 1 point, 1001 point Z, 2001 point M, 3001 point ZM */
	if (type % 1000 != 1)
	{
		text	   *name = DatumGetTextPP(FunctionCall1(&postgis.type_name, geog));

		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must be a point, not %s", what, text_to_cstring(name))));
	}
	if (VARSIZE_ANY_EXHDR(wkb) < 21)
		elog(ERROR, "st_asbinary returned a short point");
	out->lon = wkb_double(p + 5, little);
	out->lat = wkb_double(p + 13, little);
	/* PostGIS writes an empty point as POINT(NaN NaN) */
	if (isnan(out->lon) && isnan(out->lat))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s must not be an empty point", what)));
	booking_travel_error(travel_point_validate(out), what, -1);
}

/*
 * booking.checked_point(point, name): the point, once checked like the
 * arguments of the travel functions.
 */
PG_FUNCTION_INFO_V1(booking_checked_point);
Datum
booking_checked_point(PG_FUNCTION_ARGS)
{
	TravelPoint p;
	char	   *name = text_to_cstring(PG_GETARG_TEXT_PP(1));

	booking_point_from_geography(PG_GETARG_DATUM(0), name, &p);
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}
