# Every target works on a fresh machine with Go installed; .ci/run adds the
# Debian packages the tests use (python3-openpyxl) and `make bench` uses (miller).
GO       ?= go
BIN      := bin/etl
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
FUZZTIME ?= 30s

.PHONY: all build test test-short demo bench fuzz lint cross schema generate clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/etl

# The README's test command: formatting, vet, the Windows and macOS builds,
# and every test with the race detector.
test: lint cross
	$(GO) test -race -count=1 ./...

test-short:
	$(GO) test -short ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...

# Runs the main jobs against the built-in emulator and shows where the reports are.
demo: build
	@scripts/demo.sh

bench: build
	@scripts/bench.sh

# Each fuzz target for $(FUZZTIME); go test -fuzz takes one target at a time.
fuzz:
	@scripts/fuzz.sh $(FUZZTIME)

# Merchants run etl on Windows (where JTL-Wawi runs) and macOS: vet for
# both, build the binary for both, and compile every package's tests for
# Windows.
cross:
	GOOS=windows $(GO) vet ./...
	GOOS=darwin $(GO) vet ./...
	GOOS=windows $(GO) build -o /dev/null ./cmd/etl
	GOOS=darwin GOARCH=arm64 $(GO) build -o /dev/null ./cmd/etl
	@for p in $$($(GO) list -f '{{if or .TestGoFiles .XTestGoFiles}}{{.ImportPath}}{{end}}' ./...); do \
		GOOS=windows $(GO) test -c -o /dev/null $$p || exit 1; \
	done

# Rewrites erp/spec/table.go from erp/contract/openapi-cloud-1.0.json.
generate:
	$(GO) generate ./...

schema: build
	$(BIN) schema > etl-job.schema.json

clean:
	rm -rf bin out reports
