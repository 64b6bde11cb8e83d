# goblog: build, test, run and lint the Go services and their shared library.
# GNU make. `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
# Every step already runs in parallel inside the go tool; running make's
# targets side by side would only fight over the CPUs and the broker.
.NOTPARALLEL:

GO       ?= go
BIN      := bin
SERVICES := accountservice vipservice imageservice
# systest: the system stories both suites tell (see SUITES), a plain module with unit tests.
MODULES  := common accountservice vipservice imageservice support/turbine systest
PKGS     := $(foreach m,$(MODULES),./$(m)/...)
# The test-only modules of the landscape (tag landscape) and Swarm (tag e2e) suites; each tells
# the stories of systest through its own environment adapter.
SUITES   := integration e2e
LDFLAGS  := -s -w
# How long each fuzz target runs in `make fuzz`: a count of executions (Nx). A duration (10s) works
# too, but Go 1.26's fuzz coordinator can then fail a target with a bare "context deadline
# exceeded" at the end of the window, no crasher written (golang/go#75804, fixed in Go 1.27); a
# count has no deadline to race. 300000x is 5-20 s a target on this machine.
FUZZTIME ?= 300000x
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

# Fuzz targets as package-directory:FuzzName, found in the *_test.go files of
# the modules, so a new target is fuzzed without editing this file.
FUZZ_TARGETS = $(shell grep -rHoE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+' $(MODULES) 2>/dev/null \
	| sed -E 's|^(.*)/[^/]+_test\.go:func (Fuzz.*)$$|./\1:\2|' | sort -u)
# Packages holding tests behind the `integration` build tag.
INTEGRATION_PKGS = $(shell grep -rlE --include='*_test.go' '^//go:build .*integration' $(MODULES) 2>/dev/null \
	| xargs -r -n1 dirname | sort -u | sed 's|^|./|')

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "}; {printf "  %-20s %s\n", $$1, $$2}'

.PHONY: build
build: ## static binaries (CGO_ENABLED=0) into bin/: the three services and healthchecker
	@mkdir -p $(BIN)
	@for s in $(SERVICES); do \
		echo "go build -o $(BIN)/$$s ./$$s"; \
		CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false -ldflags "$(LDFLAGS)" -o $(BIN)/$$s ./$$s; \
	done
	@echo "go build -o $(BIN)/healthchecker ./common/cmd/healthchecker"
	@CGO_ENABLED=0 $(GO) build -trimpath -buildvcs=false -ldflags "$(LDFLAGS)" -o $(BIN)/healthchecker ./common/cmd/healthchecker

.PHONY: test
test: test-unit test-integration-go fuzz test-jvm test-integration ## everything: Go unit tests, RabbitMQ integration, fuzzing, JVM tests, the landscape suite

.PHONY: test-unit
test-unit: ## go vet and go test -race of all four modules
	$(GO) vet $(PKGS)
	$(GO) test -race $(PKGS)
# common/circuit's copy of hystrix-go is a module of its own: the tests of what was changed in it
	cd common/circuit/third_party/hystrix-go && GOWORK=off $(GO) test -race ./hystrix/rolling/

# -p 1: the messaging tests restart the broker, and the PostgreSQL outage test its server, which
# would break the others. ensure-postgres.sh run: a throwaway cluster (temp dir, free port) for the
# duration of the tests, its URL in GOBLOG_TEST_POSTGRES_URL; stopped and removed after.
.PHONY: test-integration-go
# The Docker engine is for imageservice's memory-limit test (a container under the stack's limit);
# without it that test would skip, and CI would never run it.
test-integration-go: ## tests tagged `integration`, against a real RabbitMQ (started when absent), a throwaway PostgreSQL and the Docker engine
	bash scripts/ensure-rabbitmq.sh
	bash deploy/ensure-docker.sh
	@test -n "$(INTEGRATION_PKGS)" || { echo "no integration tests found" >&2; exit 1; }
	bash scripts/ensure-postgres.sh run -- $(GO) test -race -tags integration -count=1 -p 1 $(INTEGRATION_PKGS)

.PHONY: test-jvm
test-jvm: ## JUnit tests of the JVM support services (Maven)
	$(MAKE) -C support test

# The suite starts what is not running of the process landscape and stops what it started.
.PHONY: test-integration
test-integration: ## the landscape suite (integration/ + the systest stories) against the local process landscape (RabbitMQ, JVM jars, Go binaries)
	bash scripts/test-integration.sh

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (300000x: executions, see above)
	@test -n "$(FUZZ_TARGETS)" || { echo "no fuzz targets found" >&2; exit 1; }
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "go test -run '^$$' -fuzz '^$$name\$$' -fuzztime $(FUZZTIME) $$pkg"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) $$pkg; \
	done

# The PostgreSQL benchmarks use GOBLOG_TEST_POSTGRES_URL when set, else a throwaway cluster when
# PostgreSQL is installed; without either they skip, saying so.
PG_BENCH = $(if $(GOBLOG_TEST_POSTGRES_URL),,$(if $(wildcard /usr/lib/postgresql/*/bin/initdb),bash scripts/ensure-postgres.sh run -- ))

.PHONY: bench
bench: ## benchmarks of all modules, with allocations (PostgreSQL on a throwaway cluster when installed)
	$(PG_BENCH)$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# hystrix-go is unmaintained: only common/circuit may import it, so it can be replaced there alone
# (issue 8). Every .go file counts, whatever its build tags.
.PHONY: lint-imports
lint-imports: ## fail when a package outside common/circuit imports hystrix-go
	@leaks=$$(grep -rlE --include='*.go' '"github\.com/afex/hystrix-go' $(MODULES) $(SUITES) | grep -v '^common/circuit/' || true); \
	if [ -n "$$leaks" ]; then echo "hystrix-go imported outside common/circuit (use package circuit):"; echo "$$leaks"; exit 1; fi

# Every shell script of the repository: the tracked *.sh files (deploy/lib.sh is sourced, not run)
# and the tracked files whose first line is a sh or bash shebang (.ci/run, deploy/files/http-health).
SHELL_SCRIPTS = $(shell { git ls-files '*.sh'; git ls-files -z | xargs -0 awk \
	'FNR == 1 && /^\#!/ && /[\/ ](ba|da)?sh([ \t]|$$)/ { print FILENAME } { nextfile }'; } | sort -u)

# shellcheck: Debian's package, installed when absent (CI runs as root without standard input).
# -x follows the `source` of deploy/lib.sh; a `# shellcheck disable=` needs a reason on its line.
.PHONY: lint-shell
lint-shell: ## shellcheck over every shell script (apt-get installs shellcheck when absent and run as root)
	@command -v shellcheck >/dev/null || { \
		if [ "$$(id -u)" -ne 0 ]; then echo "shellcheck is not installed: apt-get install shellcheck" >&2; exit 1; fi; \
		echo "apt-get install -y shellcheck"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq shellcheck >/dev/null; }
	@test -n "$(SHELL_SCRIPTS)" || { echo "no shell scripts found" >&2; exit 1; }
	shellcheck -x $(SHELL_SCRIPTS)

# The overhead benchmark (issue 13): accountservice against a hand-written aggregator, see
# accountservice/README.md "What the integration costs". Loopback only; no Docker, no broker.
# BENCH_FLAGS: more flags of the driver, e.g. -rounds 1 -duration 6s, or -profileDir prof.
OVERHEAD_BIN := $(BIN)/overhead
BENCH_FLAGS ?=
.PHONY: bench-overhead
bench-overhead: ## bare endpoint / reference aggregator / accountservice under wrk -t2 -c32 -d12s, twice interleaved; prints the table
	@command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; \
		sudo=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
		$$sudo apt-get install -y wrk || { $$sudo apt-get update && $$sudo apt-get install -y wrk; }; }
	@mkdir -p $(OVERHEAD_BIN)
	@for p in stub bare reference overhead; do \
		CGO_ENABLED=0 $(GO) build -trimpath -o $(OVERHEAD_BIN)/$$p ./accountservice/bench/overhead/cmd/$$p; \
	done
	CGO_ENABLED=0 $(GO) build -trimpath -o $(OVERHEAD_BIN)/accountservice ./accountservice
	$(OVERHEAD_BIN)/overhead -bin $(OVERHEAD_BIN) -configRepo support/config-repo $(BENCH_FLAGS)

# promtool: the one of Debian's prometheus package, the same version as the image's. When it is not
# installed, the package is downloaded (apt-get download, no install: installing would start a
# Prometheus on 9090) and unpacked into .run/promtool/.
PROMTOOL_DIR := .run/promtool
PROMTOOL = $(or $(shell command -v promtool 2>/dev/null),$(PROMTOOL_DIR)/usr/bin/promtool)

$(PROMTOOL_DIR)/usr/bin/promtool:
	@mkdir -p $(PROMTOOL_DIR)
	@echo "apt-get download prometheus (for promtool, unpacked into $(PROMTOOL_DIR))"
	@cd $(PROMTOOL_DIR) && { apt-get download prometheus >/dev/null 2>&1 || \
		{ apt-get update -qq && apt-get download prometheus >/dev/null; }; } && \
		dpkg-deb -x prometheus_*.deb . && rm -f prometheus_*.deb

.PHONY: lint-prometheus
lint-prometheus: $(if $(shell command -v promtool 2>/dev/null),,$(PROMTOOL_DIR)/usr/bin/promtool) ## promtool: the rules parse, and their unit tests (support/prometheus/tests/) pass
	$(PROMTOOL) check rules support/prometheus/rules/*.yml
	$(PROMTOOL) test rules support/prometheus/tests/*.yml

.PHONY: lint
lint: lint-shell lint-imports lint-prometheus ## shellcheck, hystrix-go containment, Prometheus rules, gofmt check, go vet, staticcheck (integration-tagged files included; the landscape and e2e suites with their tags)
	@unformatted=$$(gofmt -l $(MODULES) $(SUITES)); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet -tags integration $(PKGS)
	$(GO) vet -tags landscape ./integration/...
	$(GO) vet -tags e2e ./e2e/...
	@failed=""; for spec in $(foreach m,$(MODULES),$(m):integration) integration:landscape e2e:e2e; do \
		m=$${spec%%:*}; tags=$${spec#*:}; \
		echo "staticcheck -tags $$tags ./$$m/..."; \
		(cd $$m && $(GO) run $(STATICCHECK) -tags $$tags ./...) || failed="$$failed $$m"; \
	done; \
	if [ -n "$$failed" ]; then echo "staticcheck failed in:$$failed"; exit 1; fi

.PHONY: run
run: build ## start the three services on localhost (dev profile, no infrastructure needed); logs and pids in .run/
	bash scripts/run-local.sh start

.PHONY: run-stop stop
run-stop: ## stop the services started by `make run`
	bash scripts/run-local.sh stop
stop: run-stop

.PHONY: clean
clean: ## remove bin/ and .run/ (stop the services first)
	rm -rf $(BIN) .run

.PHONY: landscape landscape-down
landscape: ## the whole landscape as local processes (RabbitMQ, JVM jars, Go binaries); prints the URLs
	bash scripts/landscape.sh up

landscape-down: ## stop exactly what `make landscape` started
	bash scripts/landscape.sh down

# --- Docker Swarm (issue 4): deploy/*.sh hold the logic, deploy/README.md explains it -----------

.PHONY: images
images: ## binaries, jars, base and service images for Swarm (cached: rebuilds only what changed)
	bash deploy/up.sh --images-only

# NODES=3: the three-node Swarm of deploy/nodes.sh (own daemons in network namespaces, a registry),
# beside the main engine and its stack, which it never touches (issue 14; deploy/README.md, "Three
# nodes"). Without NODES (or NODES=1) every target is the one-node Swarm of the main engine.
NODES ?= 1
ifneq ($(filter-out 1 3,$(NODES)),)
$(error NODES=$(NODES): 1 (the main engine's one-node Swarm) or 3 (deploy/nodes.sh))
endif
# The docker CLI of the three-node Swarm's manager, and the other nodes' engines.
NODES_ENV = DOCKER_HOST=unix:///run/goblog-nodes/node1/docker.sock \
	GOBLOG_NODE_HOSTS="unix:///run/goblog-nodes/node2/docker.sock unix:///run/goblog-nodes/node3/docker.sock"

.PHONY: up
up: ## deploy the whole landscape on Docker Swarm, wait until every service is healthy, print the URLs (NODES=3: on three nodes)
ifeq ($(NODES),3)
	bash deploy/nodes-up.sh
else
	bash deploy/up.sh
endif

.PHONY: down
down: ## remove the Swarm stack and wait until it is gone (images, .secrets/, the broker's and the database's data stay; PURGE=1 removes the data; NODES=3: the nodes and registry too)
ifeq ($(NODES),3)
	$(NODES_ENV) bash deploy/down.sh $(if $(filter 1,$(PURGE)),--volumes)
	bash deploy/nodes.sh down $(if $(filter 1,$(PURGE)),--purge)
else
	bash deploy/down.sh $(if $(filter 1,$(PURGE)),--volumes)
endif

.PHONY: status
status: ## docker service ls of the stack plus the health of every task (NODES=3: and the nodes)
ifeq ($(NODES),3)
	bash deploy/nodes.sh status
	$(NODES_ENV) bash deploy/status.sh
else
	bash deploy/status.sh
endif

.PHONY: refresh
refresh: ## announce a config refresh on the bus (POST /actuator/busrefresh in the config server)
	bash deploy/refresh-config.sh

# An access token of the auth-server (issue 11), from the stack's task or else the landscape's; the
# bare token is the only line on stdout: curl -H "Authorization: Bearer $$(make -s token)" …
# TOKEN_CLIENT=goblog-reader TOKEN_SCOPE=account:read for a read-only one.
.PHONY: token
token: ## print a fresh access token (client credentials, account:read account:write); the last line is the bare token
	@bash deploy/token.sh

# The suite asserts that 5672 refuses connections from the host, so the host RabbitMQ of the Go
# integration tests (scripts/ensure-rabbitmq.sh) is stopped first; `make test-integration-go`
# starts it again. E2E_FLAGS: more `go test` flags (default -v: each check's story in the log).
E2E_FLAGS ?= -v
E2E_ACKNOWLEDGED ?= .run/e2e-acknowledged.txt
# NODES=3: the three-node stories (e2e/nodes_test.go) against the stack of `make up NODES=3`, with
# the addresses deploy/nodes-up.sh wrote to .run/nodes/e2e.env; the host RabbitMQ is left alone
# (the stack's ports are on the nodes' addresses, not the host's).
E2E_NODES_RUN ?= TestNodes
.PHONY: e2e
e2e: ## end-to-end suite (e2e/ + the systest stories) against the deployed stack (make up first); stops the host RabbitMQ (NODES=3: the three-node stories)
ifeq ($(NODES),3)
	@test -f .run/nodes/e2e.env || { echo "no .run/nodes/e2e.env: make up NODES=3 first" >&2; exit 1; }
	$(GO) vet -tags e2e ./e2e/...
	set -a && . .run/nodes/e2e.env && set +a && \
		$(GO) test -tags e2e -count=1 -timeout 30m $(E2E_FLAGS) -run '$(E2E_NODES_RUN)' ./e2e
else
	@echo "e2e: stopping the host RabbitMQ (port 5672 must refuse connections): bash scripts/ensure-rabbitmq.sh stop"
	bash scripts/ensure-rabbitmq.sh stop
	$(GO) vet -tags e2e ./e2e/...
	@# One package (the others have no tests): go test streams its -v output as the checks run.
	E2E_ACKNOWLEDGED_FILE=$(abspath $(E2E_ACKNOWLEDGED)) $(GO) test -tags e2e -count=1 -timeout 20m $(E2E_FLAGS) ./e2e
endif

# Issue 9, system story 5: `make e2e` writes every account it saw acknowledged (201) to
# E2E_ACKNOWLEDGED (one "id name" line each); this target replaces the stack with `make down` and
# `make up` (volumes kept) and reads every one back through the edge (e2e/redeploy_test.go).
.PHONY: e2e-redeploy
e2e-redeploy: ## after make e2e: make down, make up, and every account that e2e run acknowledged reads back
	@test -s $(E2E_ACKNOWLEDGED) || { echo "$(E2E_ACKNOWLEDGED) is missing or empty: run make e2e first" >&2; exit 1; }
	$(MAKE) down
	$(MAKE) up
	E2E_REDEPLOYED=1 E2E_ACKNOWLEDGED_FILE=$(abspath $(E2E_ACKNOWLEDGED)) \
		$(GO) test -tags e2e -count=1 -timeout 10m $(E2E_FLAGS) -run '^TestAcknowledgedAccountsSurviveRedeploy$$' ./e2e

# --- Load tests (issue 5): loadtest/run.sh holds the logic, loadtest/README.md explains it -------

# Parameters of `make loadtest`, e.g. `make loadtest SIMULATION=GoVsJvm RATE=200 DURATION=90`.
# RAMP (seconds), IDLE (seconds of idle baseline), AFTER (seconds of idle after the load) and POSTS
# (GetAccounts: POSTs out of every 100 requests, e.g. 20 for the write-heavy run) pass through when given.
SIMULATION ?= GetAccounts
USERS      ?= 100
RATE       ?= 200
DURATION   ?= 60
LOADTEST_ENV = SIMULATION=$(SIMULATION) USERS=$(USERS) RATE=$(RATE) DURATION=$(DURATION) \
	$(if $(RAMP),RAMP=$(RAMP)) $(if $(IDLE),IDLE=$(IDLE)) $(if $(POSTS),POSTS=$(POSTS)) \
	$(if $(AFTER),AFTER=$(AFTER)) $(if $(WARMUP),WARMUP=$(WARMUP)) $(if $(TUNED),TUNED=$(TUNED))

.PHONY: loadtest
loadtest: ## Gatling load + footprint report in loadtest/report/ (SIMULATION=GetAccounts|GoVsJvm, USERS, RATE, DURATION, POSTS=20: write-heavy)
	$(LOADTEST_ENV) bash loadtest/run.sh

.PHONY: loadtest-smoke
loadtest-smoke: ## 30 s of 5 users through the edge with the report; fails on any failed request
	SIMULATION=GetAccounts USERS=5 DURATION=30 RAMP=5 IDLE=5 SETTLE=0 STRICT=1 bash loadtest/run.sh

.PHONY: loadtest-startup
# Which services loadtest-startup restarts (startup.sh's SERVICES: make's own SERVICES, the Go
# services, would shadow an environment variable of that name).
STARTUP_SERVICES ?= imageservice quotes-service
loadtest-startup: ## restart STARTUP_SERVICES (imageservice quotes-service) one at a time, measure start to ready and healthy
	SERVICES="$(STARTUP_SERVICES)" bash loadtest/startup.sh

# --- Central logs (issue 12): deploy/logs.sh holds the logic, deploy/README.md "Logs" explains it --

# make logs TRACE=<X-B3-TraceId>, or SERVICE=accountservice LEVEL=warn; SINCE=1h, LIMIT=500,
# QUERY='<LogsQL>' and RAW=1 pass through when given.
LOGS_ARGS = $(foreach v,TRACE SERVICE LEVEL SINCE LIMIT QUERY RAW,$(if $($(v)),'$(v)=$($(v))'))
.PHONY: logs
logs: ## lines from the central log store in time order: TRACE=<id> (every service's lines of a request), SERVICE=<name>, LEVEL=warn
	@# TRACE given but empty (a trace id that did not come back) would otherwise print every line.
	@$(if $(filter command line environment,$(origin TRACE)),$(if $(TRACE),,echo "make logs: TRACE is empty: give the X-B3-TraceId of a response" >&2; exit 2))
	bash deploy/logs.sh $(LOGS_ARGS)
