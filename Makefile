# Two entry points for a fresh machine: `make demo` and `make test`.
# Both create .venv on first use and reinstall only when pyproject.toml changes.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# the browser the warnings board's test drives (tests/integration/test_board_browser.py)
CHROMIUM     ?= /usr/bin/chromium
CHROMEDRIVER ?= /usr/bin/chromedriver
export CHROMIUM CHROMEDRIVER

.PHONY: demo test lint unit integration bench clean browser

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[embedded,persistent,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/riskwire demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint browser
	$(BIN)/pytest -q

unit: $(STAMP)
	$(BIN)/pytest -q -m "not integration"

integration: $(STAMP) browser
	$(BIN)/pytest -q -m integration

# Debian's Chromium and its driver, installed once (as root, or through sudo); fails loudly
browser:
	@if [ ! -x $(CHROMIUM) ] || [ ! -x $(CHROMEDRIVER) ] || [ -z "$$(fc-list :lang=zh 2>/dev/null)" ]; then \
	  echo "installing Chromium and a Chinese font for the warnings board's browser test"; \
	  sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver fonts-wqy-microhei; \
	fi
	@[ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ] || { \
	  echo "no $(CHROMIUM) or $(CHROMEDRIVER): apt-get install -y chromium chromium-driver" >&2; \
	  exit 1; }

bench: $(STAMP)
	$(BIN)/riskwire bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache var
