# Makefile for the booking extension (PGXS)
#
#   make && make install      build and install into the PostgreSQL of pg_config
#   make installcheck         pg_regress and isolation suites against a running server
#   test/run.sh               every suite on a throwaway cluster (what CI runs)

EXTENSION = booking
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = booking
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c) $(wildcard src/core/*.c)))
# PGXS tracks no header dependencies: any header change rebuilds every object.
BOOKING_HEADERS = $(wildcard src/*.h src/core/*.h)

# Scripts (see README, "Changing the schema"):
#   sql/booking--V.sql       the install script of version V
#   sql/booking--A--B.sql    the update script from A to B
# Released scripts are committed and never edited (DATA).  The scripts of the
# version in development are built (DATA_built) from the same sources:
#   install = header, schema/01_types, code/00_used_by_tables, the rest of
#             schema/ (the base as released in 0.1.0), every updates/A--B.sql
#             in version order, the rest of code/
#   update  = header, updates/PREV.check.sql (PREV's objects are as released),
#             code/00_used_by_tables, updates/PREV--V.sql, the rest of code/
# so a table changes in one hand-written file and code is written once.  In
# the install script CREATE OR REPLACE becomes CREATE and the DROP ... IF
# EXISTS lines before each policy go: a fresh install never replaces an
# object, and fails if one is in the way.
UPDATES := $(shell ls sql/updates/*--*.sql 2>/dev/null | sort -V)
PREVIOUS := $(shell ls sql/updates/*--$(EXTVERSION).sql 2>/dev/null | sed 's|.*/\(.*\)--.*|\1|')
CODE_FIRST = sql/code/00_used_by_tables.sql
CODE = $(filter-out $(CODE_FIRST),$(sort $(wildcard sql/code/*.sql)))
SCHEMA_FIRST = sql/schema/01_types.sql
SCHEMA = $(filter-out $(SCHEMA_FIRST),$(sort $(wildcard sql/schema/*.sql)))
BOOKING_INSTALL = sql/$(EXTENSION)--$(EXTVERSION).sql
BOOKING_UPDATE = $(if $(PREVIOUS),sql/$(EXTENSION)--$(PREVIOUS)--$(EXTVERSION).sql)
DATA_built = $(BOOKING_INSTALL) $(BOOKING_UPDATE)
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

# pg_regress reads test/sql/*.sql and <inputdir>/expected/*.out; test/expected
# points to the top-level expected/ directory.
REGRESS = $(patsubst test/sql/%.sql,%,$(sort $(wildcard test/sql/*.sql)))
REGRESS_OPTS = --inputdir=test --load-extension=btree_gist --load-extension=postgis --load-extension=booking
ISOLATION = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --load-extension=btree_gist --load-extension=postgis --load-extension=booking

PG_CPPFLAGS = -I$(srcdir)/src -I$(srcdir)/src/core
PG_CFLAGS = -std=gnu99 -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers -Wno-cast-function-type

EXTRA_CLEAN = build results output_iso regression.diffs regression.out

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

AS_INSTALL = sed -E -e 's/^CREATE OR REPLACE (FUNCTION|PROCEDURE|TRIGGER) /CREATE \1 /' -e '/^DROP POLICY IF EXISTS [a-z_]+ ON booking\.[a-z_]+;$$/d'

$(BOOKING_INSTALL): sql/header.sql $(SCHEMA_FIRST) $(CODE_FIRST) $(SCHEMA) $(UPDATES) $(CODE)
	{ cat sql/header.sql $(SCHEMA_FIRST); $(AS_INSTALL) $(CODE_FIRST); cat $(SCHEMA) $(UPDATES); $(AS_INSTALL) $(CODE); } > $@

ifneq ($(BOOKING_UPDATE),)
$(BOOKING_UPDATE): sql/header.sql sql/updates/$(PREVIOUS).check.sql $(CODE_FIRST) sql/updates/$(PREVIOUS)--$(EXTVERSION).sql $(CODE)
	cat $^ > $@
endif

$(OBJS) $(OBJS:.o=.bc): $(BOOKING_HEADERS)
