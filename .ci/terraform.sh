#!/usr/bin/env bash
# Prints the path of a Terraform CLI for the demo, the tests and the docs.
# Uses TF_ACC_TERRAFORM_PATH or a terraform >= 1.8 on PATH (provider-defined
# functions, and the provider:: syntax in examples/, need 1.8); otherwise
# installs Terraform v1.8.5 from the Go module proxy into .tools/bin (a few
# minutes the first time, instant after). Later releases cannot be
# installed with `go install`: their go.mod has replace directives.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
want=v1.8.5

usable() {
  local v
  v=$("$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9.]*\)".*/\1/p' | head -n1)
  [ -n "$v" ] || return 1
  local major minor
  major=${v%%.*}; minor=${v#*.}; minor=${minor%%.*}
  [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge 8 ]; }
}

if [ -n "${TF_ACC_TERRAFORM_PATH:-}" ] && [ -x "${TF_ACC_TERRAFORM_PATH}" ]; then
  echo "$TF_ACC_TERRAFORM_PATH"; exit 0
fi
if tf=$(command -v terraform 2>/dev/null) && usable "$tf"; then
  echo "$tf"; exit 0
fi
local_tf="$root/.tools/bin/terraform"
if [ -x "$local_tf" ] && usable "$local_tf"; then
  echo "$local_tf"; exit 0
fi
echo "No Terraform CLI >= 1.8 found; installing Terraform $want from the Go module proxy into .tools/bin (a few minutes, once)..." >&2
GOBIN="$root/.tools/bin" GOFLAGS=-mod=mod go install "github.com/hashicorp/terraform@$want" >&2
echo "$local_tf"
