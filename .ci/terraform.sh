#!/usr/bin/env bash
# Prints the path of a Terraform CLI for the demo, the tests and the docs.
# Uses TF_ACC_TERRAFORM_PATH or a terraform >= 1.8 on PATH (provider-defined
# functions, and the provider:: syntax in examples/, need 1.8); otherwise
# the one in .tools/bin, installing Terraform v1.8.5 there from the Go
# module proxy the first time (a few minutes; instant and offline after).
# Later releases cannot be installed with `go install` (their go.mod has
# replace directives); README.md shows how to build them.
#
#   terraform.sh               prints the path, installing when needed
#   terraform.sh --no-install  prints the path, or fails when there is none
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
want=v1.8.5

# usable CLI: a Terraform (or OpenTofu) that reports version 1.8 or later.
# A build from source reports a suffix ("1.8.5-dev"), which is fine.
usable() {
  local v
  v=$("$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9][0-9]*\.[0-9][0-9]*\)[.0-9]*[^"]*".*/\1/p' | head -n1)
  [ -n "$v" ] || return 1
  local major=${v%%.*} minor=${v#*.}
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
[ "${1:-}" = --no-install ] && exit 1
{
  echo "==> No Terraform CLI 1.8 or later on PATH: the tests, the demo and 'make generate' run one."
  echo "    Building Terraform $want from the Go module proxy into $local_tf"
  echo "    (a few minutes, once; later runs use it offline)."
} >&2
GOBIN="$root/.tools/bin" GOFLAGS=-mod=mod go install "github.com/hashicorp/terraform@$want" >&2
usable "$local_tf" || { echo "the Terraform CLI built into $local_tf does not run" >&2; exit 1; }
echo "==> Installed $("$local_tf" version 2>/dev/null | head -n1) at $local_tf" >&2
echo "$local_tf"
