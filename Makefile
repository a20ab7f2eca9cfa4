# Two commands for a newcomer: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
DEMO_ENV := DEBUG=1 SERVE_STATIC=1
# make demo RESET=1 (or make seed RESET=1): delete what the demo created, and
# nothing else, then seed afresh.
RESET  ?=
SEED   := manage.py seed_demo$(if $(filter-out 0,$(RESET)), --reset)

.PHONY: install demo seed test lint typecheck check clean hall

$(BIN)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed, found " + sys.version.split()[0])'
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtualenv: on Debian/Ubuntu run 'sudo apt install python3-venv' and try again."; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# Every run: npm packages from package-lock.json (hls.js, axe-core) and the
# translation catalogues; both are quick no-ops when up to date.
install: $(BIN)/.installed
	@$(BIN)/python -m frontend.npm_packages
	@DEBUG=1 $(BIN)/python manage.py compile_catalogues

demo: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py audit_keygen
ifeq ($(HOST),127.0.0.1)
	$(DEMO_ENV) $(BIN)/python $(SEED) --base-url http://127.0.0.1:$(PORT)
	$(DEMO_ENV) $(BIN)/python -m config.serve -b $(HOST) -p $(PORT) config.asgi:application
else
	@LAN=$$($(DEMO_ENV) $(BIN)/python manage.py lan_address --host-only); \
	$(DEMO_ENV) $(BIN)/python $(SEED) --base-url http://$$LAN:$(PORT) && \
	$(DEMO_ENV) $(BIN)/python manage.py lan_address --port $(PORT) && \
	$(DEMO_ENV) ALLOWED_HOSTS=127.0.0.1,localhost,$$LAN $(BIN)/python -m config.serve -b $(HOST) -p $(PORT) config.asgi:application
endif

# Hall mode: the production settings (DEBUG off) on this laptop for a hall's
# own Wi-Fi with no internet, over plain HTTP; restarts the server if it
# stops; prints the address phones open and its QR code. docs/deploy.md.
# make hall DEMO=1 also seeds the demo meeting (to rehearse).
DEMO ?=
HALL_ENV := HALL_MODE=1 DEBUG=0
hall: install
ifneq ($(filter-out 0,$(DEMO)),)
	$(HALL_ENV) $(BIN)/python manage.py migrate --noinput
	$(HALL_ENV) $(BIN)/python manage.py audit_keygen
	@LAN=$$($(HALL_ENV) $(BIN)/python manage.py lan_address --host-only); \
	$(HALL_ENV) $(BIN)/python $(SEED) --force --base-url http://$$LAN:$(PORT)
endif
	$(HALL_ENV) $(BIN)/python manage.py hall --port $(PORT)

seed: install
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py audit_keygen
	$(DEMO_ENV) $(BIN)/python $(SEED)

test: install
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	DEBUG=1 $(BIN)/mypy .

check: lint typecheck test

clean:
	rm -rf $(VENV) var staticfiles node_modules .mypy_cache .ruff_cache .pytest_cache
	find locale -name '*.mo' -delete

# The README's screenshots (docs/screenshots/*.png), taken in Chromium by the
# whole-meeting browser test. CI=true: fail, rather than skip, without Chromium.
.PHONY: screenshots
screenshots: install
	CI=true SCREENSHOTS_DIR=docs/screenshots $(BIN)/pytest tests/frontend/test_whole_meeting.py -q

# Load benchmark (docs/benchmarks.md). Needs PostgreSQL and Redis; run it on a
# quiet machine. Extra options for every scenario: make bench BENCH_ARGS="..."
.PHONY: bench bench-full
BENCH_ARGS ?=
BENCH := $(BIN)/python -m bench.run $(BENCH_ARGS)

bench: install
	@status=0; for s in S1 S2 S2burst S3 S4; do $(BENCH) --scenario $$s || status=1; done; exit $$status

bench-full: install
	@status=0; for s in S1 S2 S2burst S3 S4 S5 S6; do $(BENCH) --scenario $$s || status=1; done; \
	$(BENCH) --scenario naive || echo "naive: the comparison run may fall behind; see its JSON"; \
	exit $$status
