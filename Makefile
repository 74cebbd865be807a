# adoption: the README's two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
DEMO   ?= demo
PERIOD ?=
WORKSPACE ?= $(DEMO)

.PHONY: help venv install demo test lint bench lab report docs clean

help:
	@echo "make demo    create .venv, install, build the demo workspace in ./$(DEMO), render reports"
	@echo "make test    lint and run the test suite"
	@echo "make lab     open JupyterLab on the notebooks (after make demo)"
	@echo "make report  render the report of PERIOD (default: the latest complete month) in WORKSPACE=$(WORKSPACE)"
	@echo "make bench   issue 11's scale table beside DuckDB (10M, 30M, 100M events; about an hour on 2 cores)"
	@echo "make lint    ruff and the import contracts (lint-imports)"
	@echo "make docs    API reference from the docstrings (pdoc) in docs/api; warnings fail it"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,lab]"
	touch $@

venv install: $(VENV)/.installed

demo: $(VENV)/.installed
	rm -rf $(DEMO)
	$(BIN)/adoption demo $(DEMO)

test: $(VENV)/.installed lint
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check adoption tests benchmarks notebooks
	$(BIN)/lint-imports --no-cache --no-logo

bench: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/bench.py

lab: $(VENV)/.installed
	ADOPTION_WORKSPACE="$(CURDIR)/$(WORKSPACE)" PATH="$(CURDIR)/$(BIN):$$PATH" \
		$(BIN)/jupyter lab notebooks

report: $(VENV)/.installed
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/adoption report --workspace $(WORKSPACE) $(if $(PERIOD),--period $(PERIOD))

docs: $(VENV)/.installed
	$(BIN)/python docs/build_api.py docs/api

clean:
	rm -rf $(VENV) $(DEMO) docs/api bench-data .pytest_cache .ruff_cache *.egg-info
