# SHOTVAE: the two commands of the README, and a few helpers.
#
#   make test   installs the Debian packages the build needs (only when missing), then
#               builds in release mode and runs the whole test suite.
#   make demo   the main job: see README.md.

SWIFT        ?= swift
APT_PACKAGES := libopenblas-dev liblapacke-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev pkgconf dataset-fashion-mnist python3
# What only the tests need: PyTorch (python3-torch), whose reference models the weight round
# trip runs, and TensorBoard's own reader, which the tests read the trainer's event files with:
# the `tensorboard` package from PyPI in a virtual environment (python3-venv) under .build/.
TEST_PACKAGES        := python3-torch python3-pil python3-scipy python3-venv
TENSORBOARD_VERSION  := 2.21.0
TENSORBOARD_PYTHON   := .build/tensorboard/bin/python
# Open MPI, for the tests of training on several processes (the `Distributed` trait); a build
# without that trait, such as `make demo`'s, never needs it.
MPI_PACKAGES := libopenmpi-dev openmpi-bin
SUDO         := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: test demo deps mpi-deps test-deps install-missing build bench compare fixtures format

# The CPU that SHOTVAE's Swift code is compiled for (see Package.swift). A plain `swift build`
# makes portable code that runs on any x86-64 processor; the Makefile's builds (`make demo`,
# `make test`, `make bench`, `make compare`) are for this machine, so they ask for `haswell`
# (AVX2 and FMA: one instruction per eight-lane vector operation) when /proc/cpuinfo lists
# both. Such a binary stops with an illegal instruction on an older processor: copy it to
# another machine only if that one has AVX2 and FMA too. Choose another CPU, or portable code
# with an empty value, on the command line or in the environment:
#   make demo SHOTVAE_TARGET_CPU=native      make test SHOTVAE_TARGET_CPU=
# Switching between values rebuilds the package.
CPU_HAS_AVX2_FMA   := $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null && echo yes)
SHOTVAE_TARGET_CPU ?= $(if $(CPU_HAS_AVX2_FMA),haswell)
export SHOTVAE_TARGET_CPU
BUILD_NOTE         := SHOTVAE_TARGET_CPU=$(SHOTVAE_TARGET_CPU): $(if $(SHOTVAE_TARGET_CPU),code for that CPU only,portable code) (see the Makefile)

# `deps` installs the system libraries (OpenBLAS, LAPACKE, zlib, libpng, libjpeg-turbo, pkg-config) and python3 (the
# documentation scripts) when any is missing, `mpi-deps` Open MPI as well, `test-deps` PyTorch
# and TensorBoard's reader; `apt-get update` runs only in that case.
deps:
	@$(MAKE) --no-print-directory install-missing PACKAGES="$(APT_PACKAGES)"

mpi-deps:
	@$(MAKE) --no-print-directory install-missing PACKAGES="$(APT_PACKAGES) $(MPI_PACKAGES)"

test-deps:
	@$(MAKE) --no-print-directory install-missing PACKAGES="$(TEST_PACKAGES)"
	@$(TENSORBOARD_PYTHON) -c "import tensorboard, sys; sys.exit(tensorboard.__version__ != '$(TENSORBOARD_VERSION)')" 2>/dev/null || { \
	  echo "Installing tensorboard $(TENSORBOARD_VERSION) into .build/tensorboard (the tests' event-file reader)"; \
	  rm -rf .build/tensorboard && /usr/bin/python3 -m venv .build/tensorboard && \
	  .build/tensorboard/bin/pip install --quiet --disable-pip-version-check "tensorboard==$(TENSORBOARD_VERSION)"; }

install-missing:
	@missing=""; \
	for p in $(PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	fi

build: deps
	@echo "$(BUILD_NOTE)"
	$(SWIFT) build -c release

# Release build with testability and every trait (Open MPI included): numeric tests run at
# full speed, and training on several processes is tested under mpirun. Then the
# documentation's Swift snippets are compiled as a downstream package, and the downstream
# package in Examples/CustomObjective, which uses SHOTVAE as a dependency, is built and run
# briefly.
test: mpi-deps test-deps
	cd Data/MNIST && sha256sum --check --quiet SHA256SUMS
	@echo "$(BUILD_NOTE)"
	$(SWIFT) build -c release -Xswiftc -enable-testing --build-tests --enable-all-traits
	$(SWIFT) test -c release -Xswiftc -enable-testing --skip-build --enable-all-traits
	# The engine's kernels in every narrower instruction set too (the full run above uses the widest).
	for kernels in avx2 portable; do \
	  SHOTVAE_KERNELS=$$kernels $(SWIFT) test -c release -Xswiftc -enable-testing --skip-build --enable-all-traits \
	    --filter 'Winograd|Polyphase|ChannelsLast|StrideTwo|ConvolutionTests|PreActivation|BatchNorm' || exit 1; \
	done
	SWIFT=$(SWIFT) Scripts/compile-snippets.sh
	rm -rf .build/custom-objective
	cd Examples/CustomObjective && $(SWIFT) build -c release --scratch-path ../../.build/custom-objective \
	  && ../../.build/custom-objective/release/CustomObjective 10

# The main job: SHOT-VAE on the bundled MNIST with 100 labels, for a few minutes. A 3-minute
# run is about 2,200 steps, less than five epochs: the ucw ramp is counted in steps, and the
# capacities rise over 5,000 steps instead of 25,000 (Documentation/MNIST.md, "The 3-minute
# demo"); longer runs keep the defaults.
DEMO_MINUTES ?= 3
DEMO_OPTIONS ?= --unlabeled-ramp 800steps --capacity-ramp 5000steps --elbo-weight 0.05
demo: build
	$(SWIFT) run -c release shotvae-mnist --time-budget $(DEMO_MINUTES) $(DEMO_OPTIONS) --output runs/demo
	@echo "Pictures and records are in runs/demo: reconstructions.png, samples.png, curves.svg, metrics.jsonl, summary.json"

bench: build
	$(SWIFT) run -c release shotvae-bench conv
	$(SWIFT) run -c release shotvae-bench mnist-step
	$(SWIFT) run -c release shotvae-bench wrn-step

# SHOTVAE's workloads and the PyTorch references side by side (see Documentation/Performance.md).
compare: build
	$(SWIFT) run -c release shotvae-bench compare

# Regenerates the PyTorch golden fixtures (needs Debian's python3-torch).
fixtures:
	/usr/bin/python3 Tests/SHOTVAETests/Fixtures/make_fixtures.py

format:
	$(SWIFT) format --in-place --recursive Sources Tests Examples Benchmarks/Bench Package.swift
