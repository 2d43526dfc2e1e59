#!/usr/bin/env bash
# Soak: aws-agent demo (the agent on examples/demo.river against the fake
# AWS, with its own remote_write, loki.write and OTLP traffic) plus 100
# requests/s of 64 KiB through the signing gateway, for DURATION (default
# 30m). Samples RSS, Go heap, goroutines and open file descriptors from the
# agent's /metrics every 10 s into tests/artifacts/soak/soak.csv and plots
# them into soak.png with gnuplot. By hand, not in CI:
#
#	tests/soak.sh [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=$(sed -n 's/^toolchain //p' go.mod) # go.mod's toolchain, as the Makefile
duration=${1:-30m}
out=tests/artifacts/soak
mkdir -p "$out" build
command -v gnuplot >/dev/null || { echo "soak.sh: needs gnuplot (apt-get install gnuplot-nox)" >&2; exit 1; }
go build -o build/aws-agent ./cmd/aws-agent
go build -o build/soak ./tests/soak

addr=127.0.0.1:12399
build/aws-agent demo --server.http.listen-addr "$addr" --report-every 1m >"$out/demo.log" 2>&1 &
demo=$!
trap 'kill -INT $demo 2>/dev/null; wait $demo 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -sf "http://$addr/-/ready" >/dev/null && break; sleep 1; done

build/soak -agent "http://$addr" -duration "$duration" -csv "$out/soak.csv" \
	-gateway "http://$addr/api/v0/component/aws.auth.demo/xray.us-east-1.amazonaws.com/v1/traces"

gnuplot <<PLOT
set terminal pngcairo size 1200,700 noenhanced
set output "$out/soak.png"
set datafile separator ","
set key autotitle columnhead top left
set title "aws-agent demo + 100 req/s of 64 KiB through the gateway ($duration)"
set xlabel "minutes"
set ylabel "MiB"
set y2label "count"
set y2tics
set ytics nomirror
set yrange [0:*]
set y2range [0:*]
plot "$out/soak.csv" using (\$1/60):2 with lines lw 2 axes x1y1, \
     "" using (\$1/60):3 with lines lw 2 axes x1y1, \
     "" using (\$1/60):4 with lines lw 2 axes x1y2, \
     "" using (\$1/60):5 with lines lw 2 axes x1y2
PLOT
echo "soak.sh: $out/soak.csv and $out/soak.png"
tail -n 1 "$out/soak.csv"
