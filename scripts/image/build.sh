#!/usr/bin/env bash
# Builds amrbench's container image without Docker, reproducibly: a static
# binary (CGO_ENABLED=0, -trimpath) in one layer with a CA bundle and a
# passwd whose user 65532 the image runs as, every timestamp the last
# commit's. Writes an OCI image layout and prints the image's digest
# reference, for 'amrbench k8s-job --image'.
#
#   scripts/image/build.sh [OUT_DIR] [--push REPOSITORY]
#
# OUT_DIR defaults to build/image. With --push (e.g. --push
# myregistry.azurecr.io/amrbench, after az acr login) the image is pushed
# too, and the printed reference is REPOSITORY@sha256:...
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-build/image}
shift || true
case "$out" in /*) ;; *) out="$PWD/$out" ;; esac
cd "$root"
version=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
arch=${GOARCH:-$(go env GOARCH)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
CGO_ENABLED=0 GOOS=linux GOARCH="$arch" go build -trimpath -ldflags "-s -w" -o "$work/amrbench" ./cmd/amrbench
rm -rf "$out"
mkdir -p "$(dirname "$out")"
cd scripts/image
go run . --binary "$work/amrbench" --out "$out" --version "$version" --epoch "$epoch" --arch "$arch" "$@"
