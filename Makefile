# The two commands: `make dev` runs the platform, `make test` runs every test.
GO          ?= go
TEMPORAL_CLI_VERSION := v1.5.1
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -s -w -X main.version=$(VERSION)
TEST_TIMEOUT ?= 30m

.PHONY: dev test bench chaos build vet lint migrate clean record-histories

## dev: run api + worker + apps host + Temporal dev server (with UI) on SQLite under data/
dev: build bin/temporal
	./bin/platform dev

## test: unit, store (Postgres + SQLite), API and end-to-end tests with the real Temporal dev server
test: bin/temporal
	$(GO) vet ./...
	$(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

## bench: load-test GET /api/templates and GET /api/projects against Postgres; prints figures
bench: build
	$(GO) run ./cmd/bench -platform ./bin/platform

## chaos: the fault matrix (e2e/faults_test.go) for FAULT_ROUNDS rounds; `make test` runs one
FAULT_ROUNDS ?= 5
chaos: bin/temporal
	FAULT_ROUNDS=$(FAULT_ROUNDS) $(GO) test -count=1 -timeout 60m -run TestFaultMatrix -v ./e2e/

## build: the platform binary (static, no cgo)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/platform ./cmd/platform

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

clean:
	rm -rf bin/platform data/
