# gridgov: two commands for a newcomer.
#   make demo   install into .venv, migrate SQLite, load the demo district, serve on 127.0.0.1:$(PORT)
#   make test   lint, migrations check, pytest on SQLite and on a throwaway PostgreSQL, browser tests
#   make bench  every benchmark (QUICK=1 for small sizes)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
DISTRICT ?= 410611
WORKERS ?= 3
export DJANGO_SETTINGS_MODULE := gridgov.settings

.PHONY: demo serve test lint test-sqlite test-postgres test-browser test-sqlite-browser bench install install-dev system-deps \
	    translations clean

$(BIN)/python:
	scripts/ensure-python.sh $(PYTHON) $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --disable-pip-version-check -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --disable-pip-version-check -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

translations: install
	$(BIN)/python manage.py compile_translations

demo: install translations
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py load_demo --district $(DISTRICT)
	@echo "gridgov serves on http://127.0.0.1:$(PORT)/ (Ctrl-C stops it)"
	BIN=$(BIN) PORT=$(PORT) WORKERS=$(WORKERS) exec scripts/serve.sh

serve: install translations
	BIN=$(BIN) PORT=$(PORT) WORKERS=$(WORKERS) exec scripts/serve.sh

system-deps:
	scripts/ensure-system-deps.sh

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/python manage.py makemigrations --check --dry-run -v1

test-sqlite: install-dev translations
	$(BIN)/python -m pytest -q -m "not browser" --durations=15

test-postgres: install-dev translations system-deps
	scripts/with-postgres.sh $(BIN)/python -m pytest -q -m "not browser" --durations=15

test-browser: install-dev translations system-deps
	$(BIN)/python -m pytest -q -m browser tests/browser

# the SQLite suite, then the browser tests (on SQLite too): together about as long as the
# PostgreSQL suite, which runs beside them
test-sqlite-browser: test-sqlite
	$(MAKE) test-browser

test: system-deps install-dev translations
	$(MAKE) lint
	@# two lanes side by side (each mostly keeps one core busy); output per lane
	$(MAKE) --output-sync=target -j2 test-sqlite-browser test-postgres

bench: install-dev system-deps
	@set -e; for script in bench/*.py; do \
		case "$$script" in */_*) continue;; esac; \
		echo "== $$script"; $(BIN)/python "$$script"; \
	done

clean:
	rm -rf var/static var/gridgov.sqlite3*
