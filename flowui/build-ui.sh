#!/usr/bin/env bash
# Builds the Grafana Agent Flow UI from the web/ui sources of the agent
# module this project depends on, into flowui/build (git-ignored).
#
# The sources are read-only in the module cache, so they are copied to
# build/_ui-src first: the leading underscore keeps the go command (./...)
# out of the copy's Go files and node_modules. Upstream builds them with yarn and pins every package
# in yarn.lock; the lock's registry.yarnpkg.com addresses are pointed at
# the npm registry, and yarn itself comes from npm through npx.
set -euo pipefail
cd "$(dirname "$0")/.."
src="$(go list -m -f '{{.Dir}}' github.com/grafana/agent)/web/ui"
work=build/_ui-src
yarn=(npx --yes yarn@1.22.22)

if ! cmp -s "$src/yarn.lock" "$work/yarn.lock.upstream" 2>/dev/null; then
	rm -rf "$work"
fi
mkdir -p "$work"
cp -r "$src/." "$work/"
chmod -R u+w "$work"
cp "$src/yarn.lock" "$work/yarn.lock.upstream"
sed -i 's#https://registry.yarnpkg.com/#https://registry.npmjs.org/#' "$work/yarn.lock"

cd "$work"
"${yarn[@]}" install --frozen-lockfile --non-interactive --network-timeout 300000
"${yarn[@]}" run build
cd - >/dev/null
rm -rf flowui/build
cp -r "$work/build" flowui/build
echo "UI built into flowui/build"
