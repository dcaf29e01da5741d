#!/usr/bin/env bash
# The offline demo (`make demo`): a terraform plan of examples/demo against
# the built-in fake portal on 127.0.0.1, with the provider built from this
# checkout under dev_overrides. No credentials and no network are needed
# once the Go modules are in the cache. internal/demo does the work with the
# same plan harness as the tests and the benchmark.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tf=$(bash "$root/.ci/terraform.sh")
echo "==> Terraform: $("$tf" version 2>/dev/null | head -n1)"
echo "==> Building the demo (the first run compiles the provider's dependencies: a few minutes)"
go run ./internal/demo -terraform "$tf" -example examples/demo
