#!/usr/bin/env bash
# Runs amrbench's tests: gofmt and go vet, then every test under the race
# detector. The integration tests start real redis-server processes, so this
# installs redis-server first when it is missing and the machine allows it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing redis-server (the integration tests run against it)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    echo "test.sh: installing redis-server with sudo (the integration tests run against it)"
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  else
    echo "test.sh: redis-server is not on PATH; install it (Debian/Ubuntu: apt-get install redis-server, macOS: brew install redis)" >&2
    exit 1
  fi
fi

unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "test.sh: gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...
go test -race -count=1 ./...
