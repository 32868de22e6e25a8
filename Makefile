# Bodega: `make run` starts the gateway on the embedded default; `make test` runs the whole suite.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export FLASK_APP := wsgi

.PHONY: run test dial sms bench lint typecheck migrate seed clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

migrate: $(BIN)/.installed
	$(BIN)/alembic upgrade head

seed: migrate
	$(BIN)/flask catalog seed-demo

# Granian's own start-up and per-worker lines at WARNING: the terminal shows hops and SMS (README).
GRANIAN_LOG_LEVEL ?= warning
export GRANIAN_LOG_LEVEL

run: seed
	PORT=$(PORT) bash scripts/run.sh

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

dial: $(BIN)/.installed
	$(BIN)/python scripts/dial.py --url http://127.0.0.1:$(PORT) $(if $(PHONE),--phone $(PHONE)) \
		$(if $(CODE),--code '$(CODE)') $(if $(WEBHOOK_SECRET),--key '$(WEBHOOK_SECRET)') \
		$(if $(PROVIDER),--provider $(PROVIDER))

sms: $(BIN)/.installed
	@test -n "$(FROM)" -a -n "$(TEXT)" || { echo "usage: make sms FROM=+254722000101 TEXT='ORDERS'"; exit 2; }
	$(BIN)/python scripts/sms.py --url http://127.0.0.1:$(PORT) --from '$(FROM)' --text '$(TEXT)' \
		$(if $(TO),--to '$(TO)') $(if $(WEBHOOK_SECRET),--key '$(WEBHOOK_SECRET)')

bench: $(BIN)/.installed
	$(BIN)/python -m bench.run

lint: $(BIN)/.installed
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
