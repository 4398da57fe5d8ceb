# Convenience targets; each is one of the README's commands.
UV := python3 -m uv
RUN := $(UV) run --locked

.PHONY: install test build verify render bench clean

install:          ## create .venv from uv.lock (compiled bytecode)
	python3 -m pip install --quiet uv
	$(UV) sync --locked

test: install     ## run every test, chapters included
	$(RUN) pytest

build: install    ## rerun every analysis from raw data into data/derived
	$(RUN) python -m analysis build

verify: install   ## rebuild in a clean folder and compare with the committed manifest
	$(RUN) python -m analysis verify

render: install   ## build, then render the website and PDF (needs Quarto >= 1.9)
	$(RUN) python -m analysis render

bench: install    ## time the commands as whole processes; prints medians and ratios
	$(RUN) python tests/benchmark.py

clean:            ## remove render outputs and caches (never data/raw)
	rm -rf _book .quarto _freeze .cache
