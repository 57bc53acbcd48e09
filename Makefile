# Clinic Vetting: the README's two commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)

# Under CI=true the suite runs on the machine's real PostgreSQL and Redis.
ifeq ($(CI),true)
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/clinic_vetting
export REDIS_URL ?= redis://127.0.0.1:6379/0
endif

.PHONY: help run test lint system-check system-check-tests install migrate seed clean

help:
	@echo "make run    set up and serve the app with demo data on http://127.0.0.1:8000/"
	@echo "make test   set up and run the whole test suite (CI=true: on PostgreSQL and Redis)"
	@echo "make lint   ruff"

system-check:
	@scripts/system-check "$(PYTHON)"

system-check-tests:
	@scripts/system-check "$(PYTHON)" --tests

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: system-check $(STAMP)

migrate: install
	$(PY) manage.py migrate --no-input -v 1

seed: migrate
	$(PY) manage.py load_checklists
	$(PY) manage.py issue_signing_certificate --if-missing
	$(PY) manage.py seed_demo

run: seed
	@scripts/dev-server

lint: install
	$(VENV)/bin/ruff check .

test: system-check-tests install lint
	$(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis test-artifacts
