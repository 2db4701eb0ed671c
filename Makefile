# Two commands do all set-up on a fresh machine:
#   make run    create .venv, install, and start the service on SQLite with the trained model and demo data
#   make test   create .venv, install, and run the whole test suite
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run test train evaluate lock audit clean

# versions come from requirements.lock (what was tested and audited); `make lock` refreshes it
$(BIN)/triage: pyproject.toml requirements.lock
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c requirements.lock -e ".[test,postgres]"
	touch $(BIN)/triage

install: $(BIN)/triage

run: install
	$(BIN)/triage serve --demo --host $(HOST) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q -p no:cacheprovider

train: install
	$(BIN)/triage train

evaluate: install
	$(BIN)/triage evaluate

lock: install
	mkdir -p var
	$(BIN)/python -m pip install -q --dry-run --ignore-installed --report var/lock-report.json -e ".[test,postgres]"
	$(BIN)/python scripts/lock.py var/lock-report.json > requirements.lock

audit:
	bash scripts/audit.sh

clean:
	rm -rf $(VENV) var
