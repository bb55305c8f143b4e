# Clientela: `make run` sets everything up and serves the app; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha1sum requirements.lock | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
BENCH_CLIENTS ?= 100000

.PHONY: run test lint bench setup venv translations messages lock clean

venv: $(STAMP)

$(STAMP): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

# Compiles locale/*/LC_MESSAGES/django.po with Babel, so no system gettext is needed.
translations: venv
	@$(VENV)/bin/pybabel compile --domain=django --directory=locale --statistics 2>&1 | grep -v "^$$" | tail -n 6

setup: venv translations
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0

run: setup
	$(PY) manage.py bootstrap
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

test: venv translations
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy clientela config
	$(PY) manage.py makemigrations --check --dry-run

bench: setup
	$(PY) manage.py bench --clients $(BENCH_CLIENTS) --output var/bench.json

# Developers: refresh the .po files after changing strings (needs gettext's xgettext).
messages: venv
	$(PY) manage.py makemessages --all --no-obsolete --ignore=.venv --ignore=var --add-location=file

lock:
	$(PY) -m pip install --quiet -r requirements.in
	$(PY) -m pip freeze --exclude-editable | sort > requirements.lock

clean:
	rm -rf $(VENV) var
