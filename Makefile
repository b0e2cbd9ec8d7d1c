# The two commands: `make run` opens the mesh-demo deck (`make run LAYOUT=falcon` another), `make test`
# runs every check.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# The editable install links each file (so mypy can follow it): adding or removing one reinstalls.
SOURCES := pyproject.toml core core/widgets plugins $(wildcard plugins/*/) layouts themes
EDITABLE := --config-settings editable_mode=strict
# The real LightningStore's `agl` for the command after it (built once, then cached); a build
# that fails stops the command with its log instead of leaving DECK_AGL empty.
WITH_AGL = agl="$$(.ci/agl-venv.sh)" && DECK_AGL="$$agl"

.PHONY: run test lint golden bench bench-quick run-falcon clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: $(SOURCES) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . $(EDITABLE)
	touch $@

$(VENV)/.installed-all: $(SOURCES) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[all,test]' $(EDITABLE)
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/deck $(if $(LAYOUT),--layout $(LAYOUT))

lint: $(VENV)/.installed-all
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(WITH_AGL) $(BIN)/python -m pytest

# After an intended change to what the screens show: rewrite tests/golden/screens, then commit them.
golden: $(VENV)/.installed-all
	DECK_GOLDEN=update $(BIN)/python -m pytest -q tests/golden

bench: $(VENV)/.installed-all
	$(WITH_AGL) $(BIN)/python bench/run.py

bench-quick: $(VENV)/.installed-all
	$(WITH_AGL) $(BIN)/python bench/run.py --quick

run-falcon: $(VENV)/.installed-all
	$(BIN)/python -m deck.plugins.falcon_nodes.client_sim --nodes 12 >falcon-sim.log 2>&1 & sim=$$!; \
	trap "kill $$sim" EXIT; $(BIN)/deck --layout falcon

clean:
	rm -rf $(VENV) bench/.venv-textual build dist *.egg-info
