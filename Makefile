# The two commands of the README: `make run` and `make test`. Everything else is set up by them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app survey_app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install translations lint bench clean

# A stamp file so that the virtual environment is refreshed when the dependencies change.
$(VENV)/.installed: setup.cfg setup.py pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,test,postgres]'
	touch $@

install: $(VENV)/.installed translations

# Compiled catalogues (.mo) are build products: made from the .po files on every run.
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d survey_app/translations -D messages

run: install
	$(FLASK) db upgrade
	$(FLASK) demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

# In TEST_WORKERS processes (pytest-xdist; tests/conftest.py keeps their databases and ports
# apart), each test file in one of them, so that a file's costly module fixture (the deployment,
# the wheel) is built once; the files in the order tests/conftest.py gives (the longest first).
# `make test TEST_WORKERS=0` runs the suite in one process.
TEST_WORKERS ?= 2

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

# Ruff and mypy, configured in pyproject.toml; CI runs this before the tests.
lint: install
	$(BIN)/ruff check survey_app analysis questionnaires tests bench migrations setup.py
	$(BIN)/mypy

bench: install
	$(BIN)/python bench/submit.py
	$(BIN)/python bench/analysis.py

clean:
	rm -rf $(VENV) instance .pytest_cache .hypothesis
