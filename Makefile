# The two commands: `make dev` runs the platform, `make test` runs every test.
GO          ?= go
TEMPORAL_CLI_VERSION := v1.5.1
SEAWEEDFS_VERSION    := v0.0.0-20261109003541-7506e5f91cd6
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -s -w -X main.version=$(VERSION)
TEST_TIMEOUT ?= 30m

.PHONY: dev test bench chaos build vet lint migrate clean record-histories web web-dev web-test web-e2e chromium fuzz fuzz-short

## dev: run api + worker + apps host + Temporal dev server (with UI) on SQLite under data/;
## builds the web app first when it is missing or older than its sources (the binary embeds it)
dev: bin/temporal web/dist/index.html
	$(MAKE) build
	./bin/platform dev

## test: unit, store (Postgres + SQLite), API and end-to-end tests with the real Temporal dev server and a real S3
## server (SeaweedFS, bin/weed), the web app's tests, a short fuzz pass (fuzz-short), then the browser end-to-end tests (web-e2e)
test: bin/temporal bin/weed web-test
	$(GO) vet ./...
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...
	$(MAKE) fuzz-short
	$(MAKE) web-e2e

## fuzz: every fuzz target for FUZZTIME each (package:target pairs below); a crasher is written to
## <package>/testdata/fuzz/<target>/, next to the committed seed corpus (which `go test` runs as tests)
FUZZ_TARGETS := ./api:FuzzDecodeBody ./catalog:FuzzConfiguration ./internal/scaffold:FuzzRender ./internal/artifacts:FuzzTreePaths
FUZZTIME ?= 60s
fuzz:
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$name in $$pkg for $(FUZZTIME)"; \
		$(GO) test -run='^$$' -fuzz="^$$name\$$" -fuzztime=$(FUZZTIME) $$pkg; \
	done

## fuzz-short: every fuzz target for 30,000 inputs (part of `make test`). A count, not a duration: with a
## duration, Go 1.26's fuzz coordinator can fail a target with a bare "context deadline exceeded" and no
## crasher at the moment the time runs out (go.dev/issue/75804, fixed in Go 1.27); a count sets no deadline.
fuzz-short:
	$(MAKE) fuzz FUZZTIME=30000x

## bench: measure the platform against its targets on Postgres (every section 3 times, beside a bare net/http + pgx
## baseline); prints each repetition, CPU by process per measurement and a min/median/max table; BENCH_FLAGS adds flags
# The bench runs bin/platform-bench: the platform plus one bench-only route
# (-tags bench, api/bench_bare.go) that the middleware-cost section compares with.
BENCH_FLAGS ?=
bench: bin/temporal bin/weed
	CGO_ENABLED=0 $(GO) build -trimpath -tags bench -o bin/platform-bench ./cmd/platform
	$(GO) run ./cmd/bench -platform ./bin/platform-bench $(BENCH_FLAGS)

## chaos: the fault matrix (e2e/faults_test.go) for FAULT_ROUNDS rounds; `make test` runs one
FAULT_ROUNDS ?= 5
chaos: bin/temporal
	FAULT_ROUNDS=$(FAULT_ROUNDS) $(GO) test -count=1 -timeout 60m -run TestFaultMatrix -v ./e2e/

## build: the platform binary (static, no cgo)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/platform ./cmd/platform

# ---- web app (web/: React + TypeScript + Vite; see web/README.md) -------------
# Node 20.19+ and npm. `go build ./...` never needs them: web/dist holds only a
# placeholder until the app is built, and the server then says how to build it.
WEB_SRC := $(shell find web/src -type f 2>/dev/null) web/index.html web/package.json \
	web/vite.config.ts web/tsconfig.json web/tsconfig.app.json web/tsconfig.node.json

# npm ci when node_modules is missing or package-lock.json changed.
web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci
	touch $@

# The built app, rebuilt when any source is newer.
web/dist/index.html: web/node_modules/.package-lock.json $(WEB_SRC)
	cd web && npm run build

## web: build the web app into web/dist (typecheck + Vite), embedded by the next `make build`
web: web/node_modules/.package-lock.json
	cd web && npm run build

## web-dev: Vite dev server with hot reload on :5173, proxying /api (and the WebSocket) to the API on 127.0.0.1:8080 (run `make dev` alongside)
web-dev: web/node_modules/.package-lock.json
	cd web && npm run dev

## web-test: the web app's component and hook tests (vitest, jsdom)
web-test: web/node_modules/.package-lock.json
	cd web && npm test

## web-e2e: the browser end-to-end tests (web/e2e/): playwright-core drives Debian's Chromium, headless, against
## `platform dev` (built with the web app embedded) on free ports; screenshots and figures in web/e2e/artifacts/
web-e2e: bin/temporal web/dist/index.html chromium
	$(MAKE) build
	cd web && npm run e2e

## chromium: Debian's Chromium for web-e2e (apt-get install when /usr/bin/chromium is missing; CHROMIUM_PATH overrides)
chromium:
	web/e2e/install-chromium.sh

## migrate: apply migrations to DATABASE_URL
migrate: build
	./bin/platform migrate

## record-histories: re-record workflows/testdata from real end-to-end runs (for the replay test)
record-histories: bin/temporal
	RECORD_HISTORIES=1 $(GO) test -count=1 -run 'TestDeployRollbackAndCancelEndToEnd|TestBusinessUserDeploymentWaitsForApproval|TestOnboardingThroughTheAPI|TestRoleChangeApprovalThroughAPIAndCLI|TestCancellingADeploymentCancelsItsApproval' ./e2e/

# The official Temporal CLI, built from source once and cached in bin/ (about 4 minutes cold).
# It has its own module graph and is deliberately not in go.mod.
bin/temporal:
	GOBIN=$(CURDIR)/bin $(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

# SeaweedFS (Apache-2.0), the real S3 server the artifact store's S3 tests run against; built from source once and
# cached in bin/ like bin/temporal (its own module graph, not in go.mod). Its go.mod has a replace directive, which
# `go install pkg@version` refuses, so the module is downloaded from the proxy and built inside its own directory.
bin/weed:
	dir=$$(cd / && $(GO) mod download -json github.com/seaweedfs/seaweedfs@$(SEAWEEDFS_VERSION) | sed -n 's/^\t"Dir": "\(.*\)",$$/\1/p') && \
		test -n "$$dir" && cd "$$dir" && CGO_ENABLED=0 $(GO) build -trimpath -o $(CURDIR)/bin/weed ./weed

clean:
	rm -rf bin/platform bin/platform-bench data/
