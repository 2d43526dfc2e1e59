#!/usr/bin/env bash
# The gateway's cost as a user feels it: two agents side by side in one
# run, the same scrape load, the same SigV4-verifying sink; one signs with
# prometheus.remote_write's sigv4 block, one through aws.auth's gateway.
# Prints CPU seconds per million samples for each and the ratio.
#   tests/yardstick.sh [-series N] [-warmup D] [-duration D]
# Run it on an idle machine: two shared cores make any other load part of
# the measurement. Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=$(sed -n 's/^toolchain //p' go.mod) # go.mod's toolchain, as the Makefile
go build -o build/aws-agent ./cmd/aws-agent
exec go run ./tests/yardstick -agent build/aws-agent "$@"
