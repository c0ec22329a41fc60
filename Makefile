# The two commands of the README: `make run` (the main job) and `make test`. Each installs the
# Debian packages it needs when they are missing, then builds.
SWIFT ?= swift
APT_PACKAGES ?= libnuma-dev libhwloc-dev pkg-config
# The browser test of `dream report` (tests/browser) needs these too; `make test` installs them.
BROWSER_APT_PACKAGES ?= chromium python3
# The Slurm test (tests/slurm) runs a single-node cluster: `make test` installs these too.
SLURM_APT_PACKAGES ?= slurm-wlm munge
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DREAM := .build/release/dream

.PHONY: deps build run test bench clean

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release --product dream

run: build
	$(DREAM) run --scenario ar-dynamic --topology auto --scheduler dream --duration 10 --fit --out runs/latest

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	SWIFT=$(SWIFT) fuzz/run --smoke
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(BROWSER_APT_PACKAGES)" || echo "warning: could not install $(BROWSER_APT_PACKAGES): the browser test will skip"
	tests/browser/run.sh "$$($(SWIFT) build --show-bin-path)/dream"
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(SLURM_APT_PACKAGES)" || echo "warning: could not install $(SLURM_APT_PACKAGES): the Slurm test will skip"
	tests/slurm/run.sh "$$($(SWIFT) build --show-bin-path)/dream"
	SWIFT=$(SWIFT) tests/example/run.sh

bench: deps
	bench/run

clean:
	rm -rf .build
