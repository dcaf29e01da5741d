#!/usr/bin/env bash
# Checks the README's path from the demo to your own configuration:
# `make install` into a fresh HOME, then `terraform init` and `terraform
# plan` of examples/quickstart against the fake portal, offline.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tf=$(bash .ci/terraform.sh)
home=$(mktemp -d)
work=$(mktemp -d)
portal_pid=
cleanup() {
  if [ -n "$portal_pid" ]; then kill "$portal_pid" 2>/dev/null || true; wait "$portal_pid" 2>/dev/null || true; fi
  rm -rf "$home" "$work"
}
trap cleanup EXIT

# Go keeps its caches under HOME unless told: keep the real ones.
GOMODCACHE=$(go env GOMODCACHE) GOCACHE=$(go env GOCACHE) GOPATH=$(go env GOPATH) HOME="$home" \
  make --no-print-directory install >/dev/null
go build -o "$work/bitrix24-fakeportal" ./cmd/bitrix24-fakeportal
"$work/bitrix24-fakeportal" -url-file "$work/url" > "$work/portal.log" 2>&1 &
portal_pid=$!
for _ in $(seq 1 100); do [ -s "$work/url" ] && break; sleep 0.05; done
[ -s "$work/url" ] || { cat "$work/portal.log"; echo "the fake portal did not start" >&2; exit 1; }

cp examples/quickstart/main.tf "$work/"
# No CLI configuration and no network: only the implied local mirror in HOME.
env -u TF_CLI_CONFIG_FILE HOME="$home" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 \
  "$tf" -chdir="$work" init -input=false -no-color > "$work/init.log" 2>&1 || { cat "$work/init.log"; exit 1; }
env -u TF_CLI_CONFIG_FILE HOME="$home" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 \
  BITRIX24_WEBHOOK_URL="$(cat "$work/url")/rest/1/demowebhookcode1/" \
  "$tf" -chdir="$work" plan -input=false -no-color > "$work/plan.log" 2>&1 || { cat "$work/plan.log"; exit 1; }
grep -q 'crm_deal  = "DEAL|1663"' "$work/plan.log" || { cat "$work/plan.log"; echo "the plan lacks the chat's CRM binding" >&2; exit 1; }
echo "make install + terraform init + terraform plan of examples/quickstart: OK"
