# The Go tools build and test everything else; make builds what needs Node.js.
.PHONY: test check lint ui aws-agent aws-agent-static image vulncheck

# The Go toolchain of go.mod's toolchain line (go1.27.3: the standard
# library fixes go1.26.8 lacks, docs/vulnerabilities.md). Every entry point
# exports it: the line alone does not hold where GOTOOLCHAIN=local is set.
export GOTOOLCHAIN := $(shell sed -n 's/^toolchain //p' go.mod)

# Everything CI runs, on a fresh clone too: installs Debian's chromium when
# missing, builds the UI, vets, runs every test and fuzzes (tests/all.sh).
test:
	tests/all.sh

# The quick check while working: the lint and the engine's, River's and
# the docs' tests with -short (no agent build, no browser, no image, no
# fleet; one fault-matrix row per kind of fault). About 30 s warm; the
# first run fetches staticcheck from the module proxy.
# make test is still what CI runs.
check:
	$(MAKE) lint LINT_PACKAGES="./awsauth/... ./internal/... ./river/... ./docs/"
	go test -count=1 -short ./awsauth/... ./internal/... ./river/... ./docs/

# staticcheck, pinned: a newer one may find what this one did not.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
LINT_PACKAGES ?= ./...

# gofmt, go vet and staticcheck over LINT_PACKAGES (default everything:
# CI's); any finding fails. make test runs it.
lint:
	@unformatted=$$(gofmt -l $$(go list -f '{{.Dir}}' $(LINT_PACKAGES)) | sort -u); \
	if [ -n "$$unformatted" ]; then echo "gofmt: not formatted:"; echo "$$unformatted"; exit 1; fi
	go vet $(LINT_PACKAGES)
	go run $(STATICCHECK) $(LINT_PACKAGES)

# The Flow UI, from the web/ui sources of the agent module in go.mod, into
# flowui/build (git-ignored). Needs Node.js and npm; about two minutes.
ui:
	flowui/build-ui.sh

# aws-agent with the UI built in (built first when flowui/build is missing).
aws-agent: flowui/build/index.html
	go build -buildvcs=auto -tags uiassets -o build/aws-agent ./cmd/aws-agent

# The binary the image ships: static, with the UI built in (built first
# when flowui/build is missing).
aws-agent-static: flowui/build/index.html
	CGO_ENABLED=0 go build -buildvcs=auto -trimpath -ldflags="-s -w" -tags uiassets -o build/aws-agent-static ./cmd/aws-agent

# The container image, without a Docker daemon: the static aws-agent packed
# by tools/ociimage into an image archive for `podman load`, `docker load`
# or `crane push`, with its SPDX SBOM inside and beside it.
image: aws-agent-static
	go run ./tools/ociimage -binary build/aws-agent-static -o build/aws-agent-image.tar -sbom build/aws-agent-image.spdx.json -tag localhost/aws-agent:dev

# Known vulnerabilities: govulncheck against the pinned database, offline;
# fails on any finding docs/vulnerabilities.md does not explain.
vulncheck:
	tests/vulncheck.sh

flowui/build/index.html:
	flowui/build-ui.sh
