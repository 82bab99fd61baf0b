# The two commands a new user needs (see README):
#   make app    set up, build the sample index if missing, start the chat
#   make test   set up (with the local-LLM and scale extras and Debian's chromium) and run the tests
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed

.PHONY: app test setup index

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	# torch first, exactly this version: the machines carry its CPU wheel; any other spec pulls CUDA.
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[test,scale]'
	touch $(STAMP)

setup: $(STAMP)

index: $(STAMP)
	test -f index/CURRENT || $(VENV)/bin/rag index build data/articles --index index

app: index
	$(VENV)/bin/streamlit run app.py --server.headless true --browser.gatherUsageStats false --client.toolbarMode minimal

test: $(STAMP)
	PY=$(PY) bash .ci/install-llm
	bash .ci/browser-deps
	$(PY) -m pytest
