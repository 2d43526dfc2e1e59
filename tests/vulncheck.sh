#!/usr/bin/env bash
# The vulnerability gate (make vulncheck; tests/all.sh runs it): govulncheck,
# pinned, against the Go vulnerability database of the pinned day, offline,
# in source mode on ./... and in binary mode on the binary the image ships;
# tools/vulngate then fails on any finding docs/vulnerabilities.md does not
# explain, and on any explanation no finding matches any more.
#
# The database is golang.org/x/vulndb at the version in tests/vulndb.version,
# from the module proxy, indexed by its own cmd/indexdb into
# build/vulndb/VERSION (built once, reused). To move to a newer day:
#   go list -m -f '{{.Version}}' golang.org/x/vulndb@latest > tests/vulndb.version
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export GOTOOLCHAIN=$(sed -n 's/^toolchain //p' go.mod) # as every entry point (Makefile)
govulncheck_version=v1.9.0
vulndb_version=$(cat tests/vulndb.version)
tools=$root/build/tools
db=$root/build/vulndb/$vulndb_version
mkdir -p "$tools" build/vuln

if [ ! -x "$tools/govulncheck-$govulncheck_version" ]; then
	GOBIN=$tools go install "golang.org/x/vuln/cmd/govulncheck@$govulncheck_version"
	mv "$tools/govulncheck" "$tools/govulncheck-$govulncheck_version"
fi
if [ ! -f "$db/index/db.json" ]; then
	src=$(go mod download -json "golang.org/x/vulndb@$vulndb_version" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	(cd "$src" && GOFLAGS=-mod=mod go build -o "$tools/indexdb" ./cmd/indexdb)
	rm -rf "$db.tmp"
	"$tools/indexdb" -vulns "$src/data/osv" -out "$db.tmp"
	mv "$db.tmp" "$db"
fi

# govulncheck exits 3 when it finds something; the gate decides what that
# means. Anything else (a package that does not load) is a failure.
scan() {
	local out=$1 rc=0
	shift
	"$tools/govulncheck-$govulncheck_version" -db "file://$db" -format json "$@" >"$out" || rc=$?
	if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
		echo "tests/vulncheck.sh: govulncheck $* failed (exit $rc)" >&2
		tail -5 "$out" >&2
		exit 1
	fi
}
start=$SECONDS
scan build/vuln/source.json ./...
make aws-agent-static
scan build/vuln/binary.json -mode binary build/aws-agent-static
go run ./tools/vulngate -exceptions docs/vulnerabilities.md build/vuln/source.json build/vuln/binary.json
echo "vulnerability gate: $((SECONDS - start)) s, database golang.org/x/vulndb@$vulndb_version"
