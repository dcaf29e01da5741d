#!/usr/bin/env bash
# The offline demo: builds the provider, starts the fake portal on
# 127.0.0.1, writes a throwaway Terraform CLI config with dev_overrides, runs
# `terraform plan` on examples/demo and stops the portal. No credentials and
# no network are needed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

tf=$("$root/.ci/terraform.sh")
work=$(mktemp -d)
portal_pid=
cleanup() {
  if [ -n "$portal_pid" ]; then kill "$portal_pid" 2>/dev/null || true; wait "$portal_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> Building the provider and the fake portal"
go build -o "$work/bin/terraform-provider-bitrix24" .
go build -o "$work/bitrix24-fakeportal" ./internal/fakeportal/cmd/bitrix24-fakeportal

echo "==> Starting the fake portal on 127.0.0.1"
"$work/bitrix24-fakeportal" -port "${DEMO_PORT:-0}" -url-file "$work/url" > "$work/portal.log" 2>&1 &
portal_pid=$!
for _ in $(seq 1 100); do [ -s "$work/url" ] && break; sleep 0.05; done
[ -s "$work/url" ] || { cat "$work/portal.log"; echo "the fake portal did not start" >&2; exit 1; }
url=$(tr -d '\n' < "$work/url")
echo "    $url"

cat > "$work/terraformrc" <<RC
provider_installation {
  dev_overrides {
    "tf-bitrix24/bitrix24" = "$work/bin"
  }
  direct {}
}
RC
cp -R examples/demo "$work/demo"

echo "==> terraform plan (examples/demo) with $("$tf" version 2>/dev/null | head -n1)"
# The demo portal's webhook code is not a secret: it exists only in the fake.
TF_CLI_CONFIG_FILE="$work/terraformrc" \
TF_IN_AUTOMATION=1 \
BITRIX24_WEBHOOK_URL="$url/rest/1/demowebhookcode1/" \
  "$tf" -chdir="$work/demo" plan -input=false -no-color

echo "==> Stopping the fake portal"
kill "$portal_pid"; wait "$portal_pid" 2>/dev/null || true; portal_pid=
grep -h "requests by method" "$work/portal.log" || true
