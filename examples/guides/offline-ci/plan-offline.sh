#!/usr/bin/env bash
# Plans a Terraform configuration against the fake Bitrix24 portal: no portal,
# no credentials, no network. Usage:
#
#   plan-offline.sh CONFIG_DIR [FIXTURES.json [USER_ID CODE]]
#
# Without FIXTURES it serves the demo portal (webhook /rest/1/demowebhookcode1/).
# USER_ID and CODE name a webhook of the fixtures file (its webhooks[]).
# PORTAL_FLAGS adds flags of the portal, such as "-generate-chats 500" or
# "-rate-limit 2" (see bitrix24-fakeportal -help).
# Needs bitrix24-fakeportal on PATH: in a checkout of the provider,
#   go build -o ~/bin/bitrix24-fakeportal ./cmd/bitrix24-fakeportal
set -euo pipefail
config=${1:?usage: plan-offline.sh CONFIG_DIR [FIXTURES.json [USER_ID CODE]]}
fixtures=${2:-}
user=${3:-1} code=${4:-demowebhookcode1}
tf=${TERRAFORM:-terraform}

work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
# shellcheck disable=SC2206 # PORTAL_FLAGS is split into words on purpose.
args=(-url-file "$work/url" ${PORTAL_FLAGS:-})
[ -n "$fixtures" ] && args+=(-fixtures "$(cd "$(dirname "$fixtures")" && pwd)/$(basename "$fixtures")")
bitrix24-fakeportal "${args[@]}" >"$work/portal.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do [ -s "$work/url" ] && break; sleep 0.1; done
[ -s "$work/url" ] || { cat "$work/portal.log"; echo "the fake portal did not start" >&2; exit 1; }

export BITRIX24_WEBHOOK_URL="$(cat "$work/url")/rest/$user/$code/"
# NO_INIT=1 skips init, for a provider under dev_overrides.
[ -n "${NO_INIT:-}" ] || "$tf" -chdir="$config" init -input=false >/dev/null
"$tf" -chdir="$config" plan -input=false
