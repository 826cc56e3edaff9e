# Two commands matter: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# the index's C extension: built by the editable install, rebuilt here when its source
# changes (an editable install does not notice); optional, see scripts/build_native.py
NATIVE := $(VENV)/.native
export LANCEDB_LOG ?= error

.PHONY: demo test lint typecheck pytest bench clean venv sandbox-tools

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@# torch==2.13.0 is the CPU build this machine kind keeps on disk; asking for it by exact
	@# version keeps pip from resolving a multi-gigabyte CUDA build for the semantic extra.
	$(BIN)/python -m pip install --quiet 'torch==2.13.0' \
	  && $(BIN)/python -m pip install --quiet -e '.[dev,semantic]' \
	  || { echo "note: CPU torch 2.13.0 not available; installing without the semantic embedder"; \
	       $(BIN)/python -m pip install --quiet -e '.[dev]'; }
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

pytest: $(STAMP) $(NATIVE) sandbox-tools
	$(BIN)/python -m pytest -q

# tests run model-written code under bubblewrap (docs/security.md); util-linux brings
# prlimit and setpriv
sandbox-tools:
	@command -v bwrap >/dev/null && command -v prlimit >/dev/null && command -v setpriv >/dev/null \
	  || { if [ "$$(id -u)" = 0 ]; then \
	         apt-get update -qq && apt-get install -y -qq -o DPkg::Lock::Timeout=600 bubblewrap util-linux; \
	       else echo "make: confined test runs need bubblewrap: run 'sudo apt-get install bubblewrap util-linux'"; \
	         exit 1; fi; }

test: lint typecheck pytest

bench: $(STAMP) $(NATIVE)
	$(BIN)/python bench/index.py
	$(BIN)/python bench/retrieval.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
