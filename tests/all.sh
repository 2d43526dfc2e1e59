#!/usr/bin/env bash
# Everything the tests need and everything they run: `make test`, which
# README names and .ci/run calls. Installs what is missing on a fresh
# machine (Go comes with the machine; modules come from the module proxy;
# Chromium from Debian), builds the Flow UI, vets, tests and fuzzes.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=$(sed -n 's/^toolchain //p' go.mod) # go.mod's toolchain, as the Makefile
export PATH="/usr/local/go/bin:$HOME/go/bin:$PATH"
go version
go mod download

# The browser test (tests/ui_test.go) needs Debian's Chromium and the Flow
# UI built from the agent module's sources with npm.
# The image test (tests/image_test.go) runs the image with Debian's podman
# and runc (crun fails on these machines' cgroup layout).
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
chromium --version
podman --version
make ui
# README's install: the binary with the UI built in, and it runs.
make aws-agent
build/aws-agent version

# A step that names a test runs nothing once the name no longer matches:
# go test says "no tests to run" or "no fuzz tests to fuzz" and exits 0.
# So each named test is looked up with go test -list first, and the fuzz
# list is held to the fuzz targets the code defines, both ways.
require_tests() {
	local pkg=$1 listed name
	shift
	listed=$(go test -list . "$pkg")
	for name in "$@"; do
		if ! grep -qx "$name" <<<"$listed"; then
			echo "tests/all.sh: $pkg has no $name: the step that runs it would run nothing" >&2
			exit 1
		fi
	done
}
fuzz_targets=(
	"FuzzSignVerify ./awsauth/sigv4/ 20000x"
	"FuzzParseAPIError ./awsauth/classify/ 50000x"
	"FuzzGatewayTarget ./awsauth/gateway/ 10000x"
	"FuzzGatewayAdmission ./awsauth/gateway/ 10000x"
	"FuzzBulk ./awsauth/gateway/bulk/ 20000x"
	"FuzzArguments ./river/ 10000x"
	"FuzzParsePrivateKey ./awsauth/rolesanywhere/ 20000x"
)
defined=$(grep -rE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+\(' . | sed -E 's|^\./(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]+)\(.*|\2 ./\1/|' | sort)
listed=$(printf '%s\n' "${fuzz_targets[@]}" | cut -d' ' -f1,2 | sort)
if [ "$defined" != "$listed" ]; then
	echo "tests/all.sh: the fuzz list does not match the fuzz targets the code defines:" >&2
	diff <(echo "$defined") <(echo "$listed") >&2 || true
	exit 1
fi
for target in "${fuzz_targets[@]}"; do
	set -- $target
	require_tests "$2" "$1"
done
# Every saved fuzz input belongs to a fuzz target of its package: a
# testdata/fuzz/FuzzX directory beside no FuzzX runs nothing (the gateway's
# crashers sat under awsauth/operations after the split, read by no target).
for dir in $(find . -path ./flowui -prune -o -type d -path '*/testdata/fuzz/Fuzz*' -print); do
	pkg=${dir%/testdata/fuzz/*}
	name=${dir##*/}
	if ! grep -q "$name ${pkg}/\$" <<<"$defined"; then
		echo "tests/all.sh: $dir holds inputs for $name, which $pkg does not define: move them to the package of the target" >&2
		exit 1
	fi
done
require_tests ./component/aws/auth/ TestMemoryStaysFlatUnderLoad
require_tests ./tests/herd/ TestFleetAgainstThrottledSTS TestFleetStartedTogetherRefreshesApart

# Lint (gofmt, go vet, staticcheck), every package's tests under -race,
# then without it the fleet simulations and the memory test. One command
# a line: under set -e a failure inside an && list does not stop the
# script, it only skips the rest of the list.
make lint
go vet -tags uiassets ./flowui/
go test -race -count=1 -timeout 60m ./...
go test -count=1 -timeout 20m ./tests/herd/
out=$(go test -count=1 -run '^TestMemoryStaysFlatUnderLoad$' ./component/aws/auth/ 2>&1) || { echo "$out"; exit 1; }
echo "$out"
if grep -q 'no tests to run' <<<"$out"; then
	echo "tests/all.sh: the memory test ran nothing" >&2
	exit 1
fi

# Fuzzing, a fixed number of executions per target, about ten seconds each
# (the seed corpora run in the tests above too). A count, not -fuzztime 10s:
# Go 1.26's fuzz coordinator can report its own deadline as a failure
# ("context deadline exceeded", no crasher; golang/go#75804, fixed in 1.27).
for target in "${fuzz_targets[@]}"; do
	set -- $target
	go test -run '^$' -fuzz "^$1\$" -fuzztime "$3" "$2"
done

# Known vulnerabilities: the gate (make vulncheck), after the tests, so that
# it scans the static binary the image test built.
tests/vulncheck.sh
