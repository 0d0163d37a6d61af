# Guidance Hub. `make run` starts the hub; `make test` runs every test.
GO      ?= go
BIN     := bin/guidancehub
# How long each fuzz target runs in `make test`: a count of inputs, not a
# duration (a time budget can end during baseline coverage and fail the run
# with "context deadline exceeded"); `make fuzz` runs each for a minute.
FUZZTIME ?= 20000x

.PHONY: vulncheck bench chaos lint run build test test-go fuzz-short fuzz bench vet fmt-check generate-check ci postgres graphiql-assets clean

## run: build the hub and exec it (signals reach it directly; go run would not pass SIGTERM on)
run: build
	@./scripts/ensure-postgres.sh run
	exec ./$(BIN)

build:
	$(GO) build -o $(BIN) .

postgres:
	@./scripts/ensure-postgres.sh

## test: every test against one throwaway PostgreSQL cluster (TEST_DATABASE_URL), race detector on
test: postgres lint
	$(GO) run ./internal/pgcluster/withpg -- $(MAKE) --no-print-directory test-go fuzz-short

## lint: check resources/ (errors fail; overdue reviews and doubtful sources are warnings) and print its counts
lint:
	$(GO) run . lint resources

test-go:
	$(GO) test -race -count=1 -timeout 20m ./...

fuzz-short:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./internal/ingest
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeCursor$$' -fuzztime $(FUZZTIME) ./internal/content
	$(GO) test -run '^$$' -fuzz '^FuzzParseGlobalID$$' -fuzztime $(FUZZTIME) ./internal/content
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeChangePosition$$' -fuzztime $(FUZZTIME) ./internal/content
	$(GO) test -run '^$$' -fuzz '^FuzzHTML$$' -fuzztime $(FUZZTIME) ./internal/render
	$(GO) test -run '^$$' -fuzz '^FuzzParseQuery$$' -fuzztime $(FUZZTIME) ./internal/search
	$(GO) test -run '^$$' -fuzz '^FuzzSearchCursor$$' -fuzztime $(FUZZTIME) ./internal/search
	$(GO) test -run '^$$' -fuzz '^FuzzListQuery$$' -fuzztime $(FUZZTIME) ./graph

## bench: search on the shipped library, then the hub at BENCH_N resources (figures printed, never asserted; about 8 minutes at 100,000)
BENCH_N ?= 100000
bench: postgres
	$(GO) test -run '^$$' -bench . -benchtime 50x ./internal/search
	$(GO) run ./internal/bench/hubbench -n $(BENCH_N)

## chaos: the crash suite: kill -9 of the hub during writes, of PostgreSQL under load, stale pid files, every kind of index damage (figures printed; fails on a lost write, an index mismatch or an INTERNAL answer; about 10 minutes)
chaos: postgres build
	$(GO) run ./internal/chaos/hubchaos -bin ./$(BIN)

## vulncheck: known vulnerabilities in the code's dependencies (needs the Go vulnerability database)
vulncheck:
	@$(GO) run golang.org/x/vuln/cmd/govulncheck@v1.1.4 ./... || { echo "vulncheck: govulncheck failed or could not reach its vulnerability database (vuln.go.dev); see the output above"; exit 1; }

## fuzz: each fuzz target for longer
fuzz:
	$(MAKE) fuzz-short FUZZTIME=60s

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

generate-check:
	$(GO) generate ./...
	git diff --exit-code

## ci: what .ci/run runs
ci: fmt-check vet generate-check test

## graphiql-assets: refresh the embedded GraphiQL from the npm registry
graphiql-assets:
	cd $$(mktemp -d) && npm pack graphiql@3.8.3 react@18.3.1 react-dom@18.3.1 >/dev/null && \
	for f in *.tgz; do mkdir -p $${f%.tgz} && tar xzf $$f -C $${f%.tgz}; done && \
	cp graphiql-3.8.3/package/graphiql.min.js graphiql-3.8.3/package/graphiql.min.css $(CURDIR)/internal/httpapi/graphiql/ && \
	cp react-18.3.1/package/umd/react.production.min.js react-dom-18.3.1/package/umd/react-dom.production.min.js $(CURDIR)/internal/httpapi/graphiql/

clean:
	rm -rf bin
