# Two commands do all the set-up on a fresh machine (each creates the environment on first use):
#   make demo   the main job (offline, minutes on 2 CPU cores) -> workdirs/default
#   make test   the test suite (what CI runs, via .ci/run)
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
FASHION_DIR := /usr/share/datasets/fashion-mnist
WORKDIR ?= workdirs/default
PRESET ?= quick

STUDY ?= default

.PHONY: demo study studies plot report notebooks test bench env data browser wheel clean

demo: env data
	$(PY) experiments/main.py --config=identity_jax/configs/default.py:$(PRESET) --workdir=$(WORKDIR)

# Any study: make study STUDY=convnet_depth [PRESET=quick] -> workdirs/convnet_depth
study: env data
	$(PY) experiments/main.py --config=identity_jax/configs/$(STUDY).py:$(PRESET) --workdir=workdirs/$(STUDY)

studies: env
	$(PY) experiments/studies.py

# Redraw every figure of a workdir from its saved results: make plot WORKDIR=workdirs/convnet_depth
plot: env
	$(PY) experiments/plot.py --workdir=$(WORKDIR)

# Re-execute the notebooks in place (quick preset), refreshing their committed outputs.
NOTEBOOKS := quickstart seed_distribution inside_the_networks your_own_model
notebooks: env data
	cd notebooks && for nb in $(NOTEBOOKS); do \
	  ../$(PY) -c "import sys, nbformat, nbclient; nb = nbformat.read(sys.argv[1], 4); \
	nbclient.NotebookClient(nb, timeout=3600, kernel_name='python3').execute(); \
	nbformat.write(nb, sys.argv[1])" $$nb.ipynb || exit 1; done

# One HTML page over every study in results/: report/index.html
report: env
	$(PY) experiments/report.py --out=report results

# Two pytest workers (one per core), each taking whole test files.
test: env data browser
	$(PY) -m pytest -q -n 2 --dist loadfile

bench: env
	$(PY) -m pip install --quiet -e '.[bench]' || echo "note: no PyTorch; the table skips its baseline"
	$(PY) benchmarks/table.py
	$(PY) benchmarks/vmap_vs_sequential.py

env: $(STAMP)

$(STAMP): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# Fashion-MNIST offline: Debian's package (offline MNIST digits ship with the package).
data:
	@if [ ! -d $(FASHION_DIR) ]; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's dataset-fashion-mnist"; \
	    $(SUDO) apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || \
	    { $(SUDO) apt-get update -qq >/dev/null && $(SUDO) apt-get install -y -qq dataset-fashion-mnist >/dev/null; } || \
	    echo "warning: could not install dataset-fashion-mnist; the 'fashion' suite needs IDX files (see README)"; \
	  else echo "note: no apt-get; put Fashion-MNIST IDX files in \$$IDENTITY_JAX_DATA/fashion_mnist (see README)"; fi; \
	fi

# Headless Chromium renders the HTML report in the tests (Debian's package).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian's chromium (the report test renders the page)"; \
	    $(SUDO) apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    { $(SUDO) apt-get update -qq >/dev/null && $(SUDO) apt-get install -y -qq chromium >/dev/null; } || \
	    echo "warning: could not install chromium; the report's browser test will be skipped"; \
	  else echo "note: no apt-get; the report's browser test needs chromium"; fi; \
	fi

# The package as one file, for Colab (upload it, or keep it on Drive) or any machine: dist/*.whl
wheel: env
	$(PY) -m pip wheel --no-deps -q -w dist .
	@ls dist/identity_jax-*.whl

clean:
	rm -rf $(VENV) workdirs build dist *.egg-info
