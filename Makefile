# Two commands from a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip -q --disable-pip-version-check
HOST   ?= 127.0.0.1:8000
SCALE_SIZES ?= 1000,10000
LOAD_ARTICLES ?= 10000
LOAD_SECONDS ?= 60
PEER_SIZES ?= 10000
EMBEDDED_PGDATA ?= var/pgdata

.PHONY: browser wrk run setup speedups install install-dev install-bench migrate ingest index rebuild-index serve stop test eval bench load clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PIP) install -r requirements-dev.txt
	touch $@

# Bench-only dependencies (tantivy, the peer engine of bench/peer_bench.py): never installed by run or test.
$(VENV)/.installed-bench: requirements-bench.txt $(VENV)/.installed
	$(PIP) install -r requirements-bench.txt
	touch $@

# The C accelerators (search/_*.c) beside their Python versions; a no-op when they are up to date.
speedups: $(VENV)/.installed
	@$(PY) -m search.build_speedups

install: $(VENV)/.installed speedups
install-dev: $(VENV)/.installed-dev speedups
install-bench: $(VENV)/.installed-bench speedups

## run: install, start the database, migrate, ingest seeds/, build the search index, serve on $(HOST)
run: setup serve

setup: install migrate ingest index
	$(PY) manage.py collectstatic --noinput -v 0

migrate: install
	$(PY) manage.py migrate --noinput -v 1

ingest: install
	$(PY) manage.py ingest seeds/

## index: bring the search index in step with the database (indexes only what is missing or stale)
index: install
	$(PY) manage.py check_index --fix

rebuild-index: install
	$(PY) manage.py rebuild_index --noinput

serve: install
	$(PY) manage.py runserver $(HOST)

## stop: stop the embedded PostgreSQL that `make run` started in $(EMBEDDED_PGDATA) (its data stays there;
## `rm -rf var/pgdata` after this removes the database). pg_ctl runs as pgserver's own user under root.
stop:
	@$(PY) -W ignore -c "import os, pgserver; from pathlib import Path; d = Path('$(EMBEDDED_PGDATA)').resolve(); \
	running = (d / 'postmaster.pid').exists(); \
	running and pgserver.pg_ctl(['-w', '-m', 'fast', 'stop'], pgdata=d, **({'user': 'pgserver'} if os.geteuid() == 0 else {})); \
	print(('stopped the embedded database in ' if running else 'no embedded database running in ') + str(d))"

# Debian's Chromium (and a CJK font, so screenshots show the Chinese) for the browser tests;
# `playwright install` cannot download browsers here.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BROWSER_PACKAGES := chromium fonts-noto-cjk
browser:
	@dpkg -s $(BROWSER_PACKAGES) >/dev/null 2>&1 || \
	  { $(SUDO) apt-get install -y -q $(BROWSER_PACKAGES) || \
	    { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q $(BROWSER_PACKAGES); }; }

# axe-core, the accessibility checker the browser tests run in each page (from the npm registry).
AXE_VERSION := 4.14.1
$(VENV)/axe/node_modules/axe-core/axe.min.js:
	npm install --silent --no-audit --no-fund --prefix $(VENV)/axe axe-core@$(AXE_VERSION)

## test: install the test tools and Chromium, run the whole suite on real Postgres and in the browser
test: install-dev browser $(VENV)/axe/node_modules/axe-core/axe.min.js
	$(PY) -m pytest

## eval: score the segmentation of seeds/ against ../shared/gold
eval: install
	$(PY) manage.py ingest --dry-run --json var/seeds.json seeds/ -v 0
	$(PY) ../shared/tools/eval_segmentation.py var/seeds.json --verbose

## bench: segmentation, the index build alone on real text, search against the stock haystack+jieba setup, peers side by side (tantivy, SQLite
## FTS5 trigram, brute force) over $(PEER_SIZES) articles, growth over $(SCALE_SIZES) articles with its
## log-log plot, and the load test (bench/results/, docs/performance.md)
bench: install-bench
	$(PY) bench/segment_bench.py
	$(PY) bench/build_bench.py --whoosh-loop
	$(PY) bench/search_bench.py
	$(PY) bench/peer_bench.py --sizes $(PEER_SIZES)
	$(PY) bench/scale_bench.py --sizes $(SCALE_SIZES)
	$(PY) bench/plot_scale.py
	$(MAKE) load

# wrk, the HTTP load generator of the load test, from Debian's packages.
wrk:
	@command -v wrk >/dev/null 2>&1 || $(SUDO) apt-get install -y -q wrk || \
	  { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q wrk; }

## load: gunicorn on every core under $(LOAD_SECONDS) s of concurrent searches (wrk) while an editor saves
## corrections in the admin, on a $(LOAD_ARTICLES)-article archive kept in /tmp/archive-load-$(LOAD_ARTICLES)
load: install wrk
	$(PY) bench/load_test.py --articles $(LOAD_ARTICLES) --duration $(LOAD_SECONDS)

clean:
	rm -rf $(VENV) var/static .pytest_cache
	find search -name "_*.so" -delete
