# Portico: `make serve` serves the demo agent; `make test` runs the whole test suite. Both start from a
# fresh clone: they create ./.venv and install the project into it.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install serve test check lint format protos bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Serve the demo agent on the embedded default (SQLite in ./.portico/, no API key): REST :8123, gRPC :50051.
serve: $(STAMP)
	$(BIN)/portico serve --config examples/demo/portico.toml

## The whole test suite (SQLite and PostgreSQL; PostgreSQL at 127.0.0.1:5432 or $$PORTICO_TEST_PG).
test: $(STAMP)
	$(BIN)/python -m protos.generate --check
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: lint test

## Regenerate the committed gRPC stubs from protos/portico/v1/*.proto.
protos: $(STAMP)
	$(BIN)/python -m protos.generate

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .portico
