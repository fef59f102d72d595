# The two commands of the README: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DB     ?= data/dashboard.duckdb
PORT   ?= 8501
ADDRESS ?= 127.0.0.1

.PHONY: run test demo browser-deps java-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

$(DB): | $(VENV)/.installed
	$(BIN)/python -m warehouse demo --db $(DB)

## Build the demo database if absent and start the dashboard on http://$(ADDRESS):$(PORT)
## (ADDRESS other than 127.0.0.1 needs users: python -m warehouse user add)
run: $(VENV)/.installed $(DB)
	$(BIN)/python -m access check --address $(ADDRESS)
	DASHBOARD_DB=$(DB) $(BIN)/python serve.py \
	  --server.address $(ADDRESS) --server.port $(PORT) --server.headless true

## Rebuild the demo database from scratch
demo: $(VENV)/.installed
	rm -f $(DB) $(DB).wal
	$(BIN)/python -m warehouse demo --db $(DB)

## Debian's Chromium for the browser tests (never a downloaded browser)
browser-deps:
	@if [ -x /usr/bin/chromium ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian's chromium for the browser tests…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	  echo "The browser tests need Debian's Chromium at /usr/bin/chromium."; \
	  echo "Install it once with:  sudo apt-get install -y chromium   then run make test again."; \
	  exit 1; \
	fi

## Java for the PySpark backend tests
java-deps:
	@if command -v java >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "Installing a Java runtime for the PySpark tests…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; \
	else \
	  echo "The PySpark tests need Java 17:  sudo apt-get install -y default-jre-headless"; \
	  exit 1; \
	fi

## Install everything the tests need and run every test (unit, property, PySpark, AppTest, browser)
test: $(VENV)/.installed-dev browser-deps java-deps
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python -m bench all

clean:
	rm -rf $(VENV) artifacts .pytest_cache .hypothesis
