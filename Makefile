# Everything installs from this project's own files into .venv (see README).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
export TALENT_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: install run demo test test-sqlite test-postgres translations extract-messages serve clean

$(BIN)/talent: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/talent translations

translations: $(BIN)/talent
	$(BIN)/pybabel compile --statistics -d translations 2>&1 | tail -n 3

extract-messages: $(BIN)/talent
	$(BIN)/python scripts/i18n.py extract
	$(BIN)/python scripts/i18n.py missing || true

# The demo database is built once; its printed logins are kept beside it and shown at every start.
$(TALENT_INSTANCE_PATH)/demo-logins.txt: | $(BIN)/talent
	$(BIN)/talent db upgrade
	$(BIN)/talent seed reference
	$(BIN)/talent seed demo > $@.tmp && mv $@.tmp $@

demo: install $(TALENT_INSTANCE_PATH)/demo-logins.txt

# The local demo switches two-factor sign-in off so the printed logins work without an authenticator
# app; every other mode requires it for admin and ministry accounts (docs/security.md).
run: demo
	$(BIN)/talent db upgrade
	@cat $(TALENT_INSTANCE_PATH)/demo-logins.txt
	@echo "Two-factor sign-in is off for this local demo only (TALENT_REQUIRE_2FA=false)."
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	TALENT_REQUIRE_2FA=$${TALENT_REQUIRE_2FA:-false} $(BIN)/talent run --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/gunicorn --workers 3 --bind $(HOST):$(PORT) wsgi:app

test: install
	$(BIN)/pytest $(PYTEST_ARGS)

test-sqlite: install
	env -u TALENT_TEST_DATABASE_URL $(BIN)/pytest $(PYTEST_ARGS)

test-postgres: install
	TALENT_TEST_DATABASE_URL=$${TALENT_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} $(BIN)/pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
