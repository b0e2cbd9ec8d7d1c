# The two commands: `make run` opens the mesh-demo deck, `make test` runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench bench-quick run-falcon clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-all: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all,test]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/deck

lint: $(VENV)/.installed-all
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	DECK_AGL="$$(.ci/agl-venv.sh)" $(BIN)/python -m pytest

bench: $(VENV)/.installed-all
	DECK_AGL="$$(.ci/agl-venv.sh)" $(BIN)/python bench/run.py

bench-quick: $(VENV)/.installed-all
	DECK_AGL="$$(.ci/agl-venv.sh)" $(BIN)/python bench/run.py --quick

run-falcon: $(VENV)/.installed-all
	$(BIN)/python -m deck.plugins.falcon_nodes.client_sim --nodes 12 >falcon-sim.log 2>&1 & sim=$$!; \
	trap "kill $$sim" EXIT; $(BIN)/deck --layout falcon

clean:
	rm -rf $(VENV) bench/.venv-textual build dist *.egg-info
