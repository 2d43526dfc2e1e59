#!/usr/bin/env bash
# Signing speed, side by side in one run: aws.auth's transport, the otel
# contrib sigv4authextension, prometheus/common/sigv4, and the floor (SHA-256
# of the body plus one HMAC chain). Prints a benchstat table, then each
# signer's median as a ratio to the floor and to the anchors.
#   tests/bench.sh [COUNT]     (default 6; the machine is noisy: compare within one run)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=$(sed -n 's/^toolchain //p' go.mod) # go.mod's toolchain, as the Makefile
count=${1:-6}
out=$(mktemp)
go test -run '^$' -bench 'Sign' -benchmem -count "$count" ./tests/signbench/ | tee "$out" >/dev/null
go test -run '^$' -bench 'CachedCredentials' -benchmem -count "$count" -cpu 1,2 ./tests/signbench/ >>"$out"

if ! command -v benchstat >/dev/null; then
	GOFLAGS= go install golang.org/x/perf/cmd/benchstat@latest >/dev/null 2>&1 || true
	export PATH="$(go env GOPATH)/bin:$PATH"
fi
if command -v benchstat >/dev/null; then
	benchstat "$out"
else
	grep '^Benchmark' "$out"
fi

echo
echo "Median ns/op and ratios (to the floor, to contrib, to prometheus):"
awk '/^BenchmarkSign\// {
	split($1, p, "/"); name = p[2]; size = p[3]; sub(/-[0-9]+$/, "", size)
	key = size SUBSEP name; n[key]++; v[key, n[key]] = $3; sizes[size] = 1; names[name] = 1; allocs[key] = $9
}
function median(key,   i, j, t, m, a) {
	m = n[key]; for (i = 1; i <= m; i++) a[i] = v[key, i]
	for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
}
END {
	split("1KiB 64KiB 1024KiB", order, " ")
	printf "%-10s %-12s %12s %8s %10s %12s %8s\n", "size", "signer", "ns/op", "allocs", "/floor", "/contrib", "/prom"
	for (o = 1; o <= 3; o++) {
		s = order[o]; if (!(s in sizes)) continue
		f = median(s SUBSEP "floor"); c = median(s SUBSEP "contrib"); pr = median(s SUBSEP "prometheus")
		split("floor transport contrib prometheus", ns, " ")
		for (k = 1; k <= 4; k++) {
			m = median(s SUBSEP ns[k])
			printf "%-10s %-12s %12.0f %8s %9.2fx %11.2fx %7.2fx\n", s, ns[k], m, allocs[s SUBSEP ns[k]], m / f, m / c, m / pr
		}
	}
}' "$out"
rm -f "$out"
