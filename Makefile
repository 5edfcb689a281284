# The two commands a newcomer needs (see README):
#   make demo   set up, start Neo4j, load the demo world, detect rings, open the app
#   make test   set up, start a private test Neo4j, run the whole test suite
# Needs Python 3.11+, Java 17+ and Maven on PATH; everything else is installed here.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: install demo test browser clean help

help:
	@echo "make demo    set up and run RingScope on the demo world (opens the app)"
	@echo "make test    set up and run the whole test suite against a private Neo4j"
	@echo "make clean   remove the virtualenv (the Neo4j folder .ringscope/ is kept)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "RingScope needs Python 3.11+: install it or run make PYTHON=python3.11")'
	@command -v java >/dev/null || { echo "Java 17+ not found: install a JDK (e.g. apt-get install openjdk-17-jre-headless)"; exit 1; }
	@command -v mvn >/dev/null || { echo "Maven not found: install it (e.g. apt-get install maven)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check --upgrade pip
	@echo "installing RingScope and its dependencies into $(VENV) (log: $(VENV)/install.log) ..."
	@# setuptools notes that an editable install maps folders (ingest/ -> ringscope.ingest): kept in the log.
	@$(BIN)/pip install -q --disable-pip-version-check -e '.[test]' > $(VENV)/install.log 2>&1 \
	  || { cat $(VENV)/install.log; echo "pip install failed: see the lines above ($(VENV)/install.log)"; exit 1; }
	@rm -f $(VENV)/.installed-*; touch $(STAMP)

install: $(STAMP)

# the app's port: `make demo PORT=8502` when 8501 is taken
PORT ?= 8501
demo: install
	$(BIN)/ringscope demo --port $(PORT)

# Debian's chromium (/usr/bin/chromium, the path the tests launch) drives the browser and
# sign-in tests (Playwright cannot download its own browser here). Installed when missing and
# we may use apt; otherwise make test stops here, so those tests are never silently skipped.
CHROMIUM := /usr/bin/chromium
browser:
	@[ -x $(CHROMIUM) ] || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser test ..."; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
	      || { echo "apt-get could not install chromium: the browser test needs $(CHROMIUM)"; exit 1; }; \
	    [ -x $(CHROMIUM) ] || { echo "chromium installed but $(CHROMIUM) is missing: the browser test launches that path"; exit 1; }; \
	  else echo "$(CHROMIUM) not found and this user cannot install it (needs root and apt-get):" \
	            "run \`sudo apt-get install chromium\` (Debian/Ubuntu), then make test again"; exit 1; fi; }

test: install browser
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20+ (the sign-in test runs a real OpenID provider on it)"; exit 1; }; npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error && $(BIN)/python -m pytest -q -ra

clean:
	rm -rf $(VENV)
