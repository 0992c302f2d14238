# tidal's build. Every target runs with the toolchain and experiment that GoMLX needs:
# Go 1.27.4 (fetched by the go command from the module proxy when the machine has an older Go)
# and GOEXPERIMENT=simd (30-40x faster matmuls on the pure-Go backend).
export GOTOOLCHAIN := go1.27.4
export GOEXPERIMENT := simd
export GOFLAGS := -buildvcs=false

GO ?= go
BIN := bin/tidal
# Debian's python3, where `make test` installs numpy and scikit-image for the cross-checks.
export TIDAL_PYTHON ?= /usr/bin/python3

.PHONY: all build demo demo-check test bench fuzz drill pydeps vet clean report-check gpu-check gpu-check-bundle

all: build

build:
	$(GO) build -o $(BIN) ./cmd/tidal

# The main job (docs/DEMO.md): simulate, train the five models, forecast, roll out, score, report.
# DEMO_FLAGS=--quick is the ≤ 3 minute version; demo-check opens its report in headless chromium.
DEMO_FLAGS ?=
demo: build
	./$(BIN) demo --out demo-out $(DEMO_FLAGS)

demo-check: build
	./$(BIN) demo --quick --out out/demo-quick
	TIDAL_REPORT_DIR=$$PWD/out/demo-quick/report GO=$(GO) ./scripts/report-check.sh

# Installs the Python packages the cross-checks need (Debian's, once), then runs every test.
test: pydeps
	TIDAL_REQUIRE_PYTHON=1 $(GO) test -count=1 -timeout 30m ./...

# Runs every fuzz target for FUZZTIME each (`make fuzz FUZZTIME=5m`); `make test` runs only their seed
# corpora. Inputs that fail are saved under the package's testdata/fuzz and then run by `make test`.
FUZZTIME ?= 1m
FUZZ_TARGETS := ./data:FuzzDecodeNPY ./data:FuzzDecodeNPYLyingSize ./data:FuzzDecodeNPZ ./data:FuzzDecodeCSV \
	./data:FuzzReadLSTNet ./data:FuzzReadSeriesCSV ./data:FuzzReadGluonTS ./data:FuzzDecodeNC ./data:FuzzDecodeNCLyingSize \
	./internal/config:FuzzApply ./train:FuzzDecodeCheckpoint ./dataset:FuzzLoadNorm ./report:FuzzReadRun
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "== $$name ($$pkg, $(FUZZTIME))"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# Speed measurements; each prints ratios against a reference measured in the same run.
bench: build
	./$(BIN) bench conv
	./$(BIN) bench train-step
	./$(BIN) bench navier-stokes
	./$(BIN) bench metrics

# The kill -9 drill of the training loop: DRILL_KILLS SIGKILLs at random moments (seed DRILL_SEED), then the
# final state must equal an uninterrupted run's, bit for bit (docs/TRAINING.md).
DRILL_KILLS ?= 20
DRILL_SEED ?= 1
drill:
	$(GO) test -count=1 -run TestKillDrill -v ./train/ -drill.kills=$(DRILL_KILLS) -drill.seed=$(DRILL_SEED)

pydeps:
	@./scripts/pydeps.sh

# The one-command GPU check (docs/PERFORMANCE.md, "GPU check"): the CPU half always, the GPU half where a GPU,
# the PJRT CUDA plugin and a cgo build are found; summary in $(OUT)/gpu-check.{json,md}. It uses TIDAL_BIN,
# else the bundle bin/gpu-check.tar.gz, else builds tidal here with CGO_ENABLED=1. No build dependency:
# the GPU machines have no Go, so the bundle travels instead.
OUT ?= $(CURDIR)/gpu-check-out
gpu-check:
	OUT=$(OUT) ./scripts/gpu-check.sh

# Builds, with CGO_ENABLED=1, the stripped tidal and the test binaries of the packages whose tests run on
# $$TIDAL_TEST_BACKEND into bin/gpu-check.tar.gz (about 40 MB), for a GPU machine without Go.
GPU_TEST_PKGS ?= nn nets diffusion train
gpu-check-bundle:
	rm -rf bin/gpu-check && mkdir -p bin/gpu-check/tests
	CGO_ENABLED=1 $(GO) build -trimpath -ldflags='-s -w' -o bin/gpu-check/tidal ./cmd/tidal
	for p in $(GPU_TEST_PKGS); do CGO_ENABLED=1 $(GO) test -c -trimpath -ldflags='-s -w' -o bin/gpu-check/tests/$$p.test ./$$p || exit 1; done
	tar -czf bin/gpu-check.tar.gz -C bin/gpu-check .
	@ls -l bin/gpu-check.tar.gz

# Opens a report in headless chromium (installed with apt-get when missing) and checks the screenshot.
report-check:
	GO=$(GO) ./scripts/report-check.sh

vet:
	$(GO) vet ./...

clean:
	rm -rf bin out demo-out gpu-check-out
