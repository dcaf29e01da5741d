#!/usr/bin/env bash
# Prints the path of a Terraform CLI for the demo, the tests and the docs.
# Uses TF_ACC_TERRAFORM_PATH when set; otherwise the newest-featured of
# .tools/bin/terraform and the terraform on PATH: one of 1.14 or later
# (actions and list resources, whose tests skip below it) first, then one
# of 1.8 or later (provider-defined functions, and the provider:: syntax in
# examples/, need 1.8). With neither, it installs Terraform v1.8.5 into
# .tools/bin from the Go module proxy the first time (a few minutes;
# instant and offline after). Later releases cannot be installed with
# `go install` (their go.mod has replace directives): `.ci/build-cli.sh
# terraform 1.15.0 .tools/bin` builds one there, as CI does (.ci/run).
#
#   terraform.sh               prints the path, installing when needed
#   terraform.sh --no-install  prints the path, or fails when there is none
#   terraform.sh --min 1.14    exits 0 when the CLI it would print is 1.14 or later
set -euo pipefail
# No update check: the version checks below must not reach the network.
export CHECKPOINT_DISABLE=1
root=$(cd "$(dirname "$0")/.." && pwd)
want=v1.8.5

# usable CLI: a Terraform (or OpenTofu) that reports version 1.8 or later.
# A build from source reports a suffix ("1.8.5-dev"), which is fine.
# usable CLI MINOR: a Terraform (or OpenTofu) that reports version 1.MINOR
# or later.
usable() {
  local v
  [ -x "$1" ] || return 1
  v=$("$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([0-9][0-9]*\.[0-9][0-9]*\)[.0-9]*[^"]*".*/\1/p' | head -n1)
  [ -n "$v" ] || return 1
  local major=${v%%.*} minor=${v#*.}
  [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge "$2" ]; }
}

# A TF_ACC_TERRAFORM_PATH that is set but does not run is a mistake to
# report, not a reason to run the tests with another CLI.
if [ -n "${TF_ACC_TERRAFORM_PATH:-}" ] && [ ! -x "$TF_ACC_TERRAFORM_PATH" ]; then
  echo "TF_ACC_TERRAFORM_PATH=$TF_ACC_TERRAFORM_PATH is not an executable file (unset it to let .ci/terraform.sh pick a CLI)" >&2
  exit 1
fi
local_tf="$root/.tools/bin/terraform"
path_tf=$(command -v terraform 2>/dev/null || true)
pick() {
  if [ -n "${TF_ACC_TERRAFORM_PATH:-}" ]; then
    echo "$TF_ACC_TERRAFORM_PATH"; return 0
  fi
  local minor tf
  for minor in 14 8; do
    for tf in "$path_tf" "$local_tf"; do
      if [ -n "$tf" ] && usable "$tf" "$minor"; then echo "$tf"; return 0; fi
    done
  done
  return 1
}

if [ "${1:-}" = --min ]; then
  tf=$(pick) && usable "$tf" "${2#1.}"; exit
fi
if tf=$(pick); then
  echo "$tf"; exit 0
fi
[ "${1:-}" = --no-install ] && exit 1
{
  echo "==> No Terraform CLI 1.8 or later on PATH: the tests, the demo and 'make generate' run one."
  echo "    Building Terraform $want from the Go module proxy into $local_tf"
  echo "    (a few minutes, once; later runs use it offline)."
} >&2
GOBIN="$root/.tools/bin" GOFLAGS=-mod=mod go install "github.com/hashicorp/terraform@$want" >&2
usable "$local_tf" 8 || { echo "the Terraform CLI built into $local_tf does not run" >&2; exit 1; }
echo "==> Installed $("$local_tf" version 2>/dev/null | head -n1) at $local_tf" >&2
echo "$local_tf"
