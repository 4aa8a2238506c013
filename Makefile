# SpineSim: the two commands a fresh machine needs are `make run` and `make test`.
# Both install GSL (libgsl-dev, through apt-get) when pkg-config cannot find it,
# zlib's header (zlib1g-dev) when it is missing, and Python packages into .venv/
# when a target needs them.

SWIFT      ?= swift
PYTHON3    ?= python3
VENV       := .venv
PYTHON     := $(VENV)/bin/python
SPINESIM   := .build/release/spinesim
BENCH_DIR  := .build-bench
MPI_BUILD  := .build-mpi
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Swift's release optimisations. By default the build assumes nothing about
# the CPU (baseline x86-64), so binaries run on any machine of the
# architecture. `make release TARGET_CPU=native` (or a CPU name such as
# znver3) compiles for that CPU instead: the same results to the last bit
# (Swift never fuses a·b + c into one instruction by itself), sessions with
# the messengers of docs/MODEL.md §2c–2d 1.1–1.3× faster, the grid alone
# no faster; such a binary stops with "illegal instruction" on an older CPU.
TARGET_CPU ?=
RELEASE    := -c release $(if $(TARGET_CPU),-Xswiftc -target-cpu -Xswiftc $(TARGET_CPU))
# Every build embeds its git revision, compiler and package versions (the
# manifest's "build"); the packages are resolved first so that they are known.
BUILD_INFO  = $$($(SWIFT) package resolve >/dev/null 2>&1; SWIFT=$(SWIFT) scripts/build-flags.sh)

.PHONY: run test schema-check docs mpi openmpi bench-mpi-scaling bench-month python-test examples examples-smallest figures bench bench-scaling bench-venv bench-kernel bench-population bench-diffusion bench-memory-stability build release gsl zlib venv clean help

help:
	@echo "make run           build (release) and run the default experiment (memory-stability) into Results/"
	@echo "make test          build and run every test (the MPI identity tests too when \`make mpi\` has built .build-mpi/)"
	@echo "make mpi           install Open MPI if missing and build the MPI-enabled spinesim into .build-mpi/"
	@echo "make bench-mpi-scaling  strong scaling of memory-stability over MPI ranks and threads, into Results/bench/"
	@echo "make python-test   install the Python package (python/) into .venv/ and run its tests"
	@echo "make docs          regenerate docs/CONFIG.md and docs/spinesim.schema.json from the settings' declarations"
	@echo "make examples      run the example gallery (examples/*.py) at full size into examples/out/"
	@echo "make figures       draw the PNG figures of the results in Results/"
	@echo "make bench         SpineSim vs Brian2 (W1 STDP, W2 learning session) and scaling, into Results/bench/"
	@echo "make bench-kernel  Swift vs C dense GB kernel, side by side"
	@echo "make bench-population  1e5 spines, one year of home cage"
	@echo "make bench-diffusion   100 dendrites with calcium diffusion, 10 simulated minutes"
	@echo "make bench-memory-stability  the memory-stability experiment at its default size and 10x larger"
	@echo "make bench-month   1e5 spines, 30 days of daily learning sessions with every process on (hours today)"

gsl:
	@pkg-config --exists gsl 2>/dev/null || { \
	  echo "GSL not found by pkg-config: installing libgsl-dev with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libgsl-dev pkg-config; }

# zlib writes the gzip-compressed event log (recording.turnover_events: gzip).
zlib:
	@{ pkg-config --exists zlib 2>/dev/null || test -f /usr/include/zlib.h; } || { \
	  echo "zlib.h not found: installing zlib1g-dev with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zlib1g-dev pkg-config; }

# Open MPI (libopenmpi-dev, openmpi-bin) for the MPI build: only `make mpi` needs it.
openmpi:
	@{ pkg-config --exists mpi 2>/dev/null || pkg-config --exists ompi 2>/dev/null; } && command -v mpirun >/dev/null || { \
	  echo "MPI not found by pkg-config: installing libopenmpi-dev and openmpi-bin with apt-get"; \
	  $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenmpi-dev openmpi-bin pkg-config; }

# The MPI-enabled spinesim (package trait MPI), apart from the default build:
# mpirun -np N .build-mpi/release/spinesim run X.yaml --out DIR
mpi: gsl zlib openmpi
	$(SWIFT) build $(RELEASE) --product spinesim --scratch-path $(MPI_BUILD) --traits MPI $(BUILD_INFO)

release: gsl zlib
	$(SWIFT) build $(RELEASE) --product spinesim $(BUILD_INFO)

build: gsl zlib
	$(SWIFT) build --build-tests $(BUILD_INFO)

venv: $(VENV)/.installed

$(VENV)/.installed: Experiments/requirements.txt python/pyproject.toml
	$(PYTHON3) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r Experiments/requirements.txt ./python
	@touch $@

# The default experiment: memory stability after learning or no task, with
# intrinsic size noise on or off (14 days of training, 90 of home cage).
# The run goes into a scratch directory (--force moves a previous run aside
# whole) and its files are then copied beside the README of Results/.
run: release venv
	rm -rf .run-memory-stability
	$(SPINESIM) run Experiments/memory-stability.yaml --out .run-memory-stability
	cp -R .run-memory-stability/* Results/memory-stability/
	rm -rf .run-memory-stability
	$(PYTHON) Experiments/plot_memory.py Results/memory-stability --raster-condition learning_noise_on

test: build venv
	$(SWIFT) test $(BUILD_INFO)
	@# The plotting scripts must turn the committed results into figures.
	@tmp=$$(mktemp -d) && \
	  $(PYTHON) Experiments/plot_stdp.py Results/stdp --out $$tmp/stdp.png && \
	  $(PYTHON) Experiments/plot_frequency.py Results/stdp-frequency --out $$tmp/frequency.png && \
	  $(PYTHON) Experiments/plot_chindemi.py Results/stdp-chindemi --out $$tmp/chindemi.png && test -s $$tmp/chindemi.png && \
	  $(PYTHON) Experiments/plot_population.py Results/intrinsic --out $$tmp/intrinsic.png && \
	  $(PYTHON) Experiments/plot_population.py Results/turnover --out $$tmp/turnover.png && \
	  $(PYTHON) Experiments/plot_population.py Results/turnover-ca1 --out $$tmp/turnover-ca1.png && test -s $$tmp/turnover-ca1.png && \
	  $(PYTHON) Experiments/plot_heterosynaptic.py Results/heterosynaptic --out $$tmp/heterosynaptic.png && \
	  $(PYTHON) Experiments/plot_shrinkage.py Results/heterosynaptic-oh2015 --out $$tmp/oh2015.png && test -s $$tmp/oh2015.png && \
	  $(PYTHON) Experiments/plot_cooperativity.py Results/cooperativity --out $$tmp/cooperativity.png && test -s $$tmp/cooperativity.png && \
	  $(PYTHON) Experiments/plot_learning.py Results/learning-vs-notask --out $$tmp/learning.png && \
	  $(PYTHON) Experiments/plot_memory.py Results/memory-stability --out-prefix $$tmp/memory && \
	  $(PYTHON) Experiments/plot_memory.py Results/memory-interference --out-prefix $$tmp/interference && \
	  $(PYTHON) Experiments/plot_memory.py Results/memory-reactivation --out-prefix $$tmp/reactivation && \
	  $(PYTHON) Experiments/plot_sweep_noise.py Results/sweep-noise --out $$tmp/sweep-noise.png && test -s $$tmp/sweep-noise.png && \
	  test -s $$tmp/stdp.png && test -s $$tmp/frequency.png && test -s $$tmp/intrinsic.png && \
	  test -s $$tmp/turnover.png && test -s $$tmp/heterosynaptic.png && test -s $$tmp/learning.png && \
	  test -s $$tmp/memory-retention.png && test -s $$tmp/memory-sizes.png && \
	  test -s $$tmp/interference-retention.png && test -s $$tmp/reactivation-retention.png && \
	  { test ! -f Results/memory-stability/raster.csv || test -s $$tmp/memory-raster.png; } && rm -rf $$tmp
	$(MAKE) schema-check
	$(MAKE) python-test
	$(MAKE) examples-smallest

# Every experiment and sweep file against the committed JSON Schema (the Swift
# tests check that the schema and docs/CONFIG.md match the declarations).
schema-check: venv
	$(PYTHON) Experiments/validate_schema.py

# The configuration reference and the JSON Schema, from the declarations.
docs: build
	.build/debug/spinesim schema > docs/spinesim.schema.json.tmp && mv docs/spinesim.schema.json.tmp docs/spinesim.schema.json
	.build/debug/spinesim schema --markdown > docs/CONFIG.md.tmp && mv docs/CONFIG.md.tmp docs/CONFIG.md

# The example gallery (examples/*.py, jupytext scripts): each runs a reduced
# shipped experiment through the Python package and draws its figure into
# examples/out/ (git-ignored). `make examples` runs them at full size (about
# 3 minutes with the release binary); `make test` runs them at their smallest
# size (seconds each, with whatever binary the package finds: the debug one
# that `make build` leaves, unless SPINESIM_BIN or a release build is there).
EXAMPLES := $(sort $(wildcard examples/*.py))

examples: release venv
	$(VENV)/bin/pip install --quiet --disable-pip-version-check ./python
	@set -e; for script in $(EXAMPLES); do echo "== $$script (full)"; \
	  SPINESIM_EXAMPLE_SIZE=full $(PYTHON) $$script --out examples/out; done

examples-smallest: venv
	@$(PYTHON) -c "import spinesim" 2>/dev/null || $(VENV)/bin/pip install --quiet --disable-pip-version-check ./python
	@set -e; tmp=$$(mktemp -d); for script in $(EXAMPLES); do echo "== $$script (smallest)"; \
	  SPINESIM_EXAMPLE_SIZE=smallest $(PYTHON) $$script --out $$tmp; done; rm -rf $$tmp

# The Python package (python/): installed into .venv/ with pytest, then its
# tests. The one real run in them takes the binary from SPINESIM_BIN, PATH,
# .build/release/spinesim or, last, the .build/debug/spinesim that `make build`
# leaves; without any it is skipped.
python-test: venv
	$(VENV)/bin/pip install --quiet --disable-pip-version-check ./python pytest
	$(PYTHON) -m pytest -q python/tests

figures: venv
	$(PYTHON) Experiments/plot_stdp.py Results/stdp
	$(PYTHON) Experiments/plot_frequency.py Results/stdp-frequency
	$(PYTHON) Experiments/plot_chindemi.py Results/stdp-chindemi
	$(PYTHON) Experiments/plot_population.py Results/intrinsic
	$(PYTHON) Experiments/plot_population.py Results/turnover
	$(PYTHON) Experiments/plot_population.py Results/turnover-ca1
	$(PYTHON) Experiments/plot_heterosynaptic.py Results/heterosynaptic
	$(PYTHON) Experiments/plot_shrinkage.py Results/heterosynaptic-oh2015
	$(PYTHON) Experiments/plot_cooperativity.py Results/cooperativity
	$(PYTHON) Experiments/plot_learning.py Results/learning-vs-notask
	$(PYTHON) Experiments/plot_memory.py Results/memory-stability --raster-condition learning_noise_on
	$(PYTHON) Experiments/plot_memory.py Results/memory-interference --raster-condition A_then_B
	$(PYTHON) Experiments/plot_sweep_noise.py Results/sweep-noise
	$(PYTHON) Experiments/plot_memory.py Results/memory-reactivation --raster-condition reactivation

# Dense clock-driven GB kernel: Swift (spinesim bench kernel) against its C
# reference with the same GSL generator; checksums must agree.
bench-kernel: release
	@mkdir -p $(BENCH_DIR)
	cc -O2 -ffp-contract=off $$(pkg-config --cflags gsl) benchmarks/kernel/dense_kernel.c \
	  -o $(BENCH_DIR)/dense_kernel $$(pkg-config --libs gsl)
	benchmarks/kernel/compare.sh $(SPINESIM) $(BENCH_DIR)/dense_kernel 100000 3000 3

# A home-cage population of 1e5 spines for one year in daily steps.
bench-population: release
	$(SPINESIM) bench population --spines 100000 --days 365

# 100 dendrites × 100 µm at 1.5 spines/µm, Poisson input at 2 Hz, 10 minutes, with diffusion.
bench-diffusion: release
	$(SPINESIM) bench diffusion --dendrites 100 --seconds 600

# The memory-stability experiment at its default size (40 dendrites) and 10x larger.
bench-memory-stability: release
	$(SPINESIM) bench memory-stability --scales 1 10

# A month of daily learning sessions, 1e5 spines, every process of docs/MODEL.md §2.
bench-month: release
	$(SPINESIM) bench month --spines 100000 --days 30

# Strong scaling of one (reduced) memory-stability run with the MPI build:
# 1 rank x 1 thread, 2 ranks x 1 thread, 1 rank x 2 threads; wall times and
# bytes each rank sends per simulated day, into Results/bench/mpi-scaling.csv.
bench-mpi-scaling: mpi
	$(PYTHON3) benchmarks/mpi/scaling.py --binary $(MPI_BUILD)/release/spinesim --out Results/bench

# SpineSim against Brian2 (benchmarks/brian2/README.md): Brian2 2.9 in its own
# venv (.venv-bench/, not used by `make test`); its C++ standalone device needs g++.
BENCH_VENV := .venv-bench

bench-venv: $(BENCH_VENV)/.installed

$(BENCH_VENV)/.installed: benchmarks/brian2/requirements.txt
	$(PYTHON3) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check -r benchmarks/brian2/requirements.txt
	@touch $@

bench: release bench-venv
	@command -v g++ >/dev/null || { echo "error: Brian2's C++ standalone device needs g++ (apt-get install g++)"; exit 2; }
	$(BENCH_VENV)/bin/python benchmarks/brian2/bench.py --out Results/bench
	$(BENCH_VENV)/bin/python benchmarks/brian2/scaling.py --out Results/bench

bench-scaling: release bench-venv
	$(BENCH_VENV)/bin/python benchmarks/brian2/scaling.py --out Results/bench

clean:
	rm -rf .build $(BENCH_DIR) $(VENV) $(BENCH_VENV)
