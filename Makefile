# Two commands matter: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the index's C extension: built by the editable install, rebuilt here when its source
# changes (an editable install does not notice); optional, see scripts/build_native.py
NATIVE := $(VENV)/.native
export LANCEDB_LOG ?= error

.PHONY: demo test lint typecheck pytest vscode-test bench clean venv runners sandbox-tools

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# only the dev extra: the semantic extra (sentence-transformers) is opt-in, see docs/settings.md
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)
	@touch $(NATIVE)  # the editable install's build hook has just built it

$(NATIVE): server/delegate/index/_textscan.c $(STAMP)
	$(BIN)/python scripts/build_native.py
	@touch $(NATIVE)

demo: $(STAMP) $(NATIVE)
	$(BIN)/python scripts/demo.py

lint: $(STAMP)
	$(BIN)/ruff check server tests bench scripts hatch_build.py
	$(BIN)/ruff format --check server tests bench scripts hatch_build.py

typecheck: $(STAMP)
	$(BIN)/mypy

# real test runners for tests/agent/test_test_commands.py: jest from npm into its fixture,
# go and cargo from Debian when root (otherwise the exact command is printed and make fails)
JEST_FIXTURE := tests/fixtures/runners/node-jest
$(JEST_FIXTURE)/node_modules/.bin/jest: $(JEST_FIXTURE)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: apt-get install nodejs npm"; exit 1; }
	npm ci --prefix $(JEST_FIXTURE) --no-audit --no-fund --loglevel=error
	@touch $@

runners: $(JEST_FIXTURE)/node_modules/.bin/jest
	@for tool in go:golang-go cargo:cargo; do \
	  cmd=$${tool%%:*}; pkg=$${tool##*:}; \
	  command -v $$cmd >/dev/null && continue; \
	  if [ "$$(id -u)" = 0 ]; then { apt-get update -qq && apt-get install -y -o DPkg::Lock::Timeout=600 $$pkg; } || exit 1; \
	  else echo "$$cmd is missing: sudo apt-get install $$pkg"; exit 1; fi; \
	done

pytest: $(STAMP) $(NATIVE) runners sandbox-tools
	$(BIN)/python -m pytest -q

# tests run model-written code under bubblewrap (docs/security.md); util-linux brings
# prlimit and setpriv
sandbox-tools:
	@command -v bwrap >/dev/null && command -v prlimit >/dev/null && command -v setpriv >/dev/null \
	  || { if [ "$$(id -u)" = 0 ]; then \
	         apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 bubblewrap util-linux; \
	       else echo "make: confined test runs need bubblewrap: run 'sudo apt-get install bubblewrap util-linux'"; \
	         exit 1; fi; }

# the VS Code extension: Node, Debian packages and npm packages when missing, then eslint,
# tsc, unit tests, the .vsix and the end-to-end test in code-server (clients/vscode/README.md)
vscode-test: $(STAMP) $(NATIVE)
	PYTHON=$(abspath $(BIN)/python) bash clients/vscode/scripts/check.sh

test: lint typecheck pytest vscode-test

bench: $(STAMP) $(NATIVE)
	$(BIN)/python bench/index.py
	$(BIN)/python bench/retrieval.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
