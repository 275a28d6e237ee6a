# Makefile for the booking extension (PGXS)
#
#   make && make install      build and install into the PostgreSQL of pg_config
#   make installcheck         pg_regress and isolation suites against a running server
#   test/run.sh               every suite on a throwaway cluster (what CI runs)

EXTENSION = booking
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = booking
OBJS = $(patsubst %.c,%.o,$(sort $(wildcard src/*.c) $(wildcard src/core/*.c)))

# The install script is assembled from one file per concern under sql/parts;
# upgrade scripts (booking--A--B.sql) are kept as written, never edited once
# released.
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*--*.sql))

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

sql/$(EXTENSION)--$(EXTVERSION).sql: $(sort $(wildcard sql/parts/*.sql))
	cat $^ > $@
