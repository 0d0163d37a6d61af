# Guidance Hub. `make run` starts the hub; `make test` runs every test.
GO      ?= go
BIN     := bin/guidancehub
# How long each fuzz target runs in `make test`: a count of inputs, not a
# duration (a time budget can end during baseline coverage and fail the run
# with "context deadline exceeded"); `make fuzz` runs each for a minute.
FUZZTIME ?= 20000x

.PHONY: node vulncheck bench bench-peer chaos lint run build test test-go fuzz-short fuzz vet fmt-check generate-check ci postgres chromium graphiql-assets web-assets clean

## run: build the hub and exec it (signals reach it directly; go run would not pass SIGTERM on)
run: build
	@./scripts/ensure-postgres.sh run
	exec ./$(BIN)

build:
	$(GO) build -o $(BIN) .

postgres:
	@./scripts/ensure-postgres.sh

chromium:
	@./scripts/ensure-chromium.sh

## node: Node.js for the tests' oracles in testdata/node (graphql-js, Citation.js)
node:
	@./scripts/ensure-node.sh

## test: every test against one throwaway PostgreSQL cluster (TEST_DATABASE_URL), race detector on;
## the pages are tested in headless Chromium (installed when missing, like PostgreSQL)
test: postgres chromium node lint
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

## bench: search on the shipped library, then the hub at BENCH_N resources, then the table side by side with PostGraphile (bench-peer) (figures printed, never asserted; about 8 minutes at 100,000, then bench-peer's)
BENCH_N ?= 100000
bench: postgres node
	$(GO) test -run '^$$' -bench . -skip Rebuild -benchtime 50x ./internal/search
	$(GO) test -run '^$$' -bench Rebuild -benchtime 3x ./internal/search
	$(GO) run ./internal/pgcluster/withpg -- $(GO) test -run '^$$' -bench SearchPage -benchtime 300x ./internal/web
	$(GO) run ./internal/bench/hubbench -n $(BENCH_N)
	@$(MAKE) --no-print-directory bench-peer

## bench-peer: the hub side by side with PostGraphile on the peer kit (../shared/bench/peer, or PEER_KIT) at BENCH_PEER_N resources: p50 at 1 client and requests/s at 16 clients of both, two rounds alternating, ratios hub / PostGraphile, as a Markdown table (about 12 minutes at 10,000 on 2 cores; PEER_* settings in scripts/peer-bench.sh)
BENCH_PEER_N ?= 10000
bench-peer: postgres node
	BENCH_PEER_N=$(BENCH_PEER_N) GO=$(GO) ./scripts/peer-bench.sh

## chaos: the crash suite: kill -9 of the hub during writes, of PostgreSQL under load, stale pid files, every kind of index damage (figures printed; fails on a lost write, an index mismatch or an INTERNAL answer; about 7 minutes)
chaos: postgres build
	$(GO) run ./internal/chaos/hubchaos -bin ./$(BIN)

## vulncheck: known vulnerabilities in the code's dependencies (needs the Go vulnerability database)
vulncheck:
	@$(GO) run golang.org/x/vuln/cmd/govulncheck@v1.1.4 ./... || { echo "vulncheck: govulncheck failed or could not reach its vulnerability database (vuln.go.dev); see the output above"; exit 1; }

## fuzz: each fuzz target for longer, and the schema-driven request class test with 20,000 cases (HUB_CLASS_SEED picks them)
fuzz: postgres
	$(MAKE) fuzz-short FUZZTIME=60s
	$(GO) run ./internal/pgcluster/withpg -- env HUB_CLASS_CASES=$${HUB_CLASS_CASES:-20000} $(GO) test -count=1 -timeout 60m -run '^TestEveryRequestAnswersWithACode$$' -v .

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

## web-assets: refresh the pages' embedded NHS.UK frontend and accessible-autocomplete, and the
## tests' axe-core, from the npm registry. The NHS.UK stylesheet loses its @font-face rules, its images move under /assets/vendor/images/ (the
## Frutiger fonts are served from another site and licensed to NHS services: the pages use the
## stylesheet's Arial fallback) and every file its source-map comment (no request for a missing map).
NHSUK_VERSION ?= 10.6.1
AUTOCOMPLETE_VERSION ?= 3.0.1
AXE_VERSION ?= 4.14.1
WEB_ASSETS := $(CURDIR)/internal/web/assets
web-assets:
	cd $$(mktemp -d) && npm pack nhsuk-frontend@$(NHSUK_VERSION) accessible-autocomplete@$(AUTOCOMPLETE_VERSION) axe-core@$(AXE_VERSION) >/dev/null && \
	for f in *.tgz; do mkdir -p $${f%.tgz} && tar xzf $$f -C $${f%.tgz}; done && \
	n=nhsuk-frontend-$(NHSUK_VERSION)/package/dist/nhsuk && a=accessible-autocomplete-$(AUTOCOMPLETE_VERSION)/package && \
	mkdir -p $(WEB_ASSETS)/vendor/images $(CURDIR)/internal/web/testdata/axe && \
	sed -e 's/@font-face{[^}]*}//g' -e 's|url(/assets/images/|url(/assets/vendor/images/|g' -e 's|/\*# sourceMappingURL=[^*]*\*/||' $$n/nhsuk-frontend.min.css > $(WEB_ASSETS)/vendor/nhsuk-frontend.min.css && \
	sed -e 's|//# sourceMappingURL=.*$$||' $$n/nhsuk-frontend.min.js > $(WEB_ASSETS)/vendor/nhsuk-frontend.min.js && \
	for i in nhsuk-icon-arrow-down.svg nhsuk-icon-arrow-up.svg nhsuk-icon-arrow-up-down.svg nhsuk-icon-cross.svg; do \
		cp $$n/assets/images/$$i $(WEB_ASSETS)/vendor/images/; done && \
	sed -e 's|/\*# sourceMappingURL=[^*]*\*/||' $$a/dist/accessible-autocomplete.min.css > $(WEB_ASSETS)/vendor/accessible-autocomplete.min.css && \
	sed -e 's|//# sourceMappingURL=.*$$||' $$a/dist/accessible-autocomplete.min.js > $(WEB_ASSETS)/vendor/accessible-autocomplete.min.js && \
	cp $$a/LICENSE.txt $(WEB_ASSETS)/vendor/LICENSE.accessible-autocomplete && \
	cp axe-core-$(AXE_VERSION)/package/axe.min.js axe-core-$(AXE_VERSION)/package/LICENSE $(CURDIR)/internal/web/testdata/axe/ && \
	echo "nhsuk-frontend $(NHSUK_VERSION) (MIT; its package ships no licence file: vendor/LICENSE.nhsuk-frontend is the project's), accessible-autocomplete $(AUTOCOMPLETE_VERSION), axe-core $(AXE_VERSION) (tests only)" > $(WEB_ASSETS)/vendor/VERSIONS

clean:
	rm -rf bin
