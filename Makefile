# Every target creates the virtual environment it needs; nothing is installed by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UPSTREAM ?= ../shared/upstream/kalshi-openapi-3.31.0.yaml
SPEC := openapi/kalshi-portfolio.yaml
WS_UPSTREAM ?= ../shared/upstream/kalshi-asyncapi-2.0.0.yaml
WS_SPEC := openapi/kalshi-ws.yaml
GENERATED := kalshi_generated
# The generator runs ruff post-hooks: the venv's bin must come first on PATH.
GEN_ENV := PATH="$(CURDIR)/$(BIN):$$PATH"

.PHONY: venv regen update-spec check-generated lint type test demo bench clean

venv: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24,<27"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

regen: venv
	$(GEN_ENV) $(BIN)/python scripts/regen.py $(SPEC) $(GENERATED) --ws $(WS_SPEC)

update-spec: venv
	$(BIN)/python scripts/derive_spec.py $(UPSTREAM) $(SPEC)
	$(BIN)/python scripts/derive_asyncapi.py $(WS_UPSTREAM) $(WS_SPEC)
	$(MAKE) regen

check-generated: venv
	$(GEN_ENV) $(BIN)/python scripts/regen.py --check $(SPEC) $(GENERATED) --ws $(WS_SPEC)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

type: venv
	$(BIN)/mypy --strict kalshi_ext tests bench scripts
	$(BIN)/mypy $(GENERATED)

test: venv lint type check-generated
	$(BIN)/python -m coverage run -m pytest -q
	$(BIN)/python -m coverage report

demo: venv
	$(BIN)/python examples/quickstart.py
	$(BIN)/python examples/stream_demo.py

# Benchmarks against raw httpx floors (bench/); not part of `test`. Exits 1 if a target is missed.
bench: venv
	PYTHONPATH=. $(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .coverage tests/contract/node_modules
