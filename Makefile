# The Go tools build and test everything else; make builds what needs Node.js.
.PHONY: test ui aws-agent image

# Everything CI runs, on a fresh clone too: installs Debian's chromium when
# missing, builds the UI, vets, runs every test and fuzzes (tests/all.sh).
test:
	tests/all.sh

# The Flow UI, from the web/ui sources of the agent module in go.mod, into
# flowui/build (git-ignored). Needs Node.js and npm; about two minutes.
ui:
	flowui/build-ui.sh

# aws-agent with the UI built in.
aws-agent: ui
	go build -tags uiassets -o build/aws-agent ./cmd/aws-agent

# The container image, without a Docker daemon: a static aws-agent with the
# UI built in (run `make ui` first), packed by tools/ociimage into an image
# archive for `podman load`, `docker load` or `crane push`.
image:
	CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -tags uiassets -o build/aws-agent-static ./cmd/aws-agent
	go run ./tools/ociimage -binary build/aws-agent-static -o build/aws-agent-image.tar -tag localhost/aws-agent:dev
