# Every target is self-sufficient on a fresh machine with Python 3.11: it creates .venv on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench messages clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(BIN)/pip install --quiet uv
	VIRTUAL_ENV=$(VENV) $(UV) pip install --quiet -e '.[postgres,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/minzheng demo

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

bench: $(STAMP)
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

messages: $(STAMP)
	cd src/minzheng && ../../$(BIN)/minzheng makemessages -l zh_Hans -l en --no-obsolete && ../../$(BIN)/minzheng compilemessages

clean:
	rm -rf $(VENV) var
