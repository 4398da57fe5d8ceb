# Convenience targets; each runs one of the README's commands.
#
# Exit status: when a command fails, make prints "make: *** [Makefile:NN: <target>] Error N",
# where N is the command's own exit status (render: 3 when Quarto is absent; see the README),
# and make itself exits 2, as GNU make always does after a failed command. Run the command
# directly (e.g. `python3 -m uv run --locked python -m analysis render`) to get its own status.
#
# uv is installed only if `$(UV)` does not run, and the environment is synced only when
# uv.lock or pyproject.toml changed since the last sync (the stamp file in .venv/).
# Where uv is installed elsewhere: make UV=/path/to/uv <target>
UV ?= python3 -m uv
RUN ?= $(UV) run --locked
SYNCED := .venv/.synced

.PHONY: install test build verify notebooks render bench clean

install: $(SYNCED)   ## create .venv from uv.lock (compiled bytecode), once

$(SYNCED): uv.lock pyproject.toml
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv || { \
	  echo "could not install uv; on Debian/Ubuntu run: python3 -m pip install --user --break-system-packages uv" >&2; exit 1; }
	$(UV) sync --locked
	@touch $@

test: install     ## run every test, chapters included
	$(RUN) pytest

build: install    ## rerun every analysis from raw data into data/derived
	$(RUN) python -m analysis build

verify: install   ## rebuild in a clean folder and compare with the committed manifest
	$(RUN) python -m analysis verify

notebooks: install  ## execute every out-of-date chapter into its notebook (chapters/*.ipynb, what Quarto renders)
	$(RUN) python -m analysis notebooks

render: install   ## build, then render the website and PDF (needs Quarto >= 1.9); make ARGS="--to html" render
	@$(RUN) python -m analysis render $(ARGS) || { status=$$?; \
	  echo "make render: python -m analysis render exited with status $$status (3 means Quarto was not found; the outputs were rebuilt)" >&2; \
	  exit $$status; }

bench: install    ## time the commands as whole processes; prints medians and ratios
	$(RUN) python tests/benchmark.py

clean:            ## remove render outputs and caches (never data/raw)
	rm -rf _book .quarto _freeze .cache
