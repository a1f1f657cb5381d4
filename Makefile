# Torch Playground. `make run` serves the app, `make serve REPLICAS=N` N copies behind nginx,
# `make test` runs every test, `make bench` the benchmarks. Each sets up .venv itself when it is
# missing or its requirements changed.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
ADDRESS ?= localhost
REPLICAS ?= 2

.PHONY: run serve test bench lint chromium nginx axe clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt | $(PY)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $(VENV)/.runtime $@

run: $(VENV)/.runtime
	@echo "Torch Playground: open http://$(ADDRESS):$(PORT) in a browser (Ctrl+C stops it)."
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.address $(ADDRESS) \
		--server.headless $(if $(DISPLAY),false,true)

# REPLICAS app processes on ports PORT+1.. (loopback only), each on its share of the cores, behind
# an nginx on ADDRESS:PORT with sticky sessions; a replica that dies is restarted (python -m serve).
serve: $(VENV)/.runtime nginx
	$(PY) -m serve --replicas $(REPLICAS) --address $(ADDRESS) --port $(PORT)

# Debian's nginx for `make serve` and the proxy tests; installed when missing and we are root.
nginx:
	@{ command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; } || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx; \
		else echo "nginx is missing and cannot be installed here (not root): the proxy tests will be skipped, and make serve needs 'sudo apt-get install nginx'"; fi; }

# Debian's chromium for the end-to-end tests; installed when missing and we are root.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi emoji; } || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji; \
		else echo "chromium is missing and cannot be installed here: e2e tests will be skipped"; fi; }

# axe-core (npm) for the accessibility e2e tests, in the ignored folder .axe; npm comes from
# Debian when missing and we are root. Without it the accessibility tests skip with a reason.
AXE_VERSION := 4.14.1
axe:
	@[ -f .axe/node_modules/axe-core/axe.min.js ] && grep -q '"version": "$(AXE_VERSION)"' .axe/node_modules/axe-core/package.json || { \
		if ! command -v npm >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm; fi; \
		if command -v npm >/dev/null 2>&1; then \
			npm install --prefix .axe --no-save --no-audit --no-fund --silent axe-core@$(AXE_VERSION); \
		else echo "npm is missing and cannot be installed here: accessibility tests will be skipped"; fi; }

lint: $(VENV)/.dev
	$(PY) -m ruff check .

test: $(VENV)/.dev chromium nginx axe lint
	$(PY) -m pytest

bench: $(VENV)/.dev chromium
	$(PY) -m bench all

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache tests/e2e/screenshots .axe
