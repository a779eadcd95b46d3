# The two commands of README.md:
#   make book   build the three editions (full mode) into _build/html/
#   make test   lint, unit tests, nbval on every notebook, and a strict build of the book's sources (code not re-run)
# (make test starts with make lint: ruff and README's module table.)
# Both create the virtual environment .venv (Python 3.10-3.12) on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: book test lint quick-book fonts clean

$(STAMP): pyproject.toml grader/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,book]' -e ./grader
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

# Chinese figure labels need a CJK font; installed with apt where that is allowed, else a hint is printed.
fonts:
	@fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    (apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 || { apt-get update -qq >/dev/null && apt-get install -y -qq fonts-noto-cjk >/dev/null; }); \
	  else echo "note: install a CJK font (Debian/Ubuntu: sudo apt-get install fonts-noto-cjk) for Chinese figure labels"; fi; }

book: $(STAMP) fonts
	$(BIN)/python scripts/build_book.py --mode full

quick-book: $(STAMP) fonts
	$(BIN)/python scripts/build_book.py --mode quick --strict

# nbval runs every notebook once (with a private run cache); the strict build then checks the book's sources
# without running the code again. make book runs the chapters to render them.
test: $(STAMP) fonts lint
	export NST_RUN_CACHE=$$(mktemp -d) && \
	NST_MODE=quick $(BIN)/python -m pytest -p no:cacheprovider --nbval-lax \
	  tests notebooks $$(test -d assignments/teacher && echo assignments/teacher) && \
	$(BIN)/python scripts/build_book.py --mode quick --strict --no-execute; \
	status=$$?; rm -rf "$$NST_RUN_CACHE"; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/module_map.py --check

clean:
	rm -rf _build
