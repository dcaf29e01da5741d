#!/usr/bin/env bash
# Builds a Terraform or OpenTofu CLI from the Go module proxy, for the releases that `go install` refuses.
#
#   bash .ci/build-cli.sh terraform 1.14.3 OUT_DIR  ->  OUT_DIR/terraform   (prints "Terraform v1.14.3-dev")
#   bash .ci/build-cli.sh tofu 1.12.6 OUT_DIR       ->  OUT_DIR/tofu
#
# For `make testacc-matrix TERRAFORMS="OUT_DIR/terraform ..."` (README.md,
# "Other Terraform and OpenTofu versions"). Terraform 1.8 and earlier also
# install with plain `go install github.com/hashicorp/terraform@v1.8.5`.
#
# Why: Terraform 1.9 and later, and OpenTofu, carry `replace` directives to nested modules, so `go install` fails.
# OpenTofu builds inside its downloaded module. Terraform's release zip lacks its nested remote-state backend
# modules (s3, gcs, azure, consul, ...); this script stands each one in with Terraform's in-memory backend, and adds
# an empty module for any other missing nested module. Such a build is for provider tests, which use local state:
# never use it for real infrastructure. Takes 3 to 8 minutes and about 3 GB of Go caches on 2 cores.
set -euo pipefail
kind=${1:?usage: build-cli.sh terraform|tofu VERSION OUT_DIR} ver=${2:?version} out=${3:?output dir}
case $kind in
	terraform) mod=github.com/hashicorp/terraform pkg=. bin=terraform ;;
	tofu) mod=github.com/opentofu/opentofu pkg=./cmd/tofu bin=tofu ;;
	*) echo "unknown CLI: $kind (terraform or tofu)" >&2; exit 2 ;;
esac
mkdir -p "$out"; out=$(cd "$out" && pwd)
echo "downloading $mod@v$ver from the Go module proxy..." >&2
download() { GOFLAGS=-mod=mod go mod download -json "$mod@v$ver" 2>&1 || true; }
json=$(download)
dir=$(echo "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [ ! -d "$dir" ]; then # a first download sometimes fails; once more
	echo "$json" >&2; echo "retrying the download..." >&2
	json=$(download); dir=$(echo "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
fi
[ -d "$dir" ] || { echo "$json" >&2; echo "could not download $mod@v$ver" >&2; exit 1; }
work=$(mktemp -d); trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -r "$dir/." "$work/"; chmod -R u+w "$work"
# Stand in the nested modules that the zip does not hold.
# (No such replace directive, as in Terraform 1.8 and earlier: nothing to do.)
{ grep -E '^replace [^ ]+ => \./' "$work/go.mod" || true; } | while read -r _ path _ rel; do
	[ -f "$work/$rel/go.mod" ] && continue
	mkdir -p "$work/$rel"
	up=$(echo "$rel" | sed 's#^\./##; s#[^/]*#..#g')
	printf 'module %s\n\ngo 1.24\n\nrequire %s v0.0.0\n\nreplace %s => %s\n' "$path" "$mod" "$mod" "$up" >"$work/$rel/go.mod"
	case $rel in
	./internal/backend/remote-state/*)
		name=$(basename "$rel")
		printf '// Package %s stands in for a backend module missing from the release zip.\npackage %s\n\nimport (\n\t"%s/internal/backend"\n\t"%s/internal/backend/remote-state/inmem"\n)\n\n// New returns the in-memory backend.\nfunc New() backend.Backend { return inmem.New() }\n' \
			"$name" "$name" "$mod" "$mod" >"$work/$rel/stub.go" ;;
	esac
	echo "stood in for $rel" >&2
done
echo "building $bin v$ver (a few minutes)..." >&2
(cd "$work" && GOFLAGS=-mod=mod go build -o "$out/$bin" "$pkg")
v=$(env -u TF_CLI_CONFIG_FILE "$out/$bin" version 2>/dev/null) || true
echo "${v%%$'\n'*}"
