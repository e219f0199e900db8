#!/usr/bin/env bash
# Runs amrbench's tests: gofmt, go vet and staticcheck, then every test
# under the race detector, then each fuzz target for a bounded time. The
# integration tests start real redis-server processes (and twemproxy,
# nutcracker, in front of them, the tests' Enterprise-policy endpoint), a
# real Prometheus scrapes the live metrics, and the HTML report is checked
# in a real headless Chromium, so this installs redis-server, nutcracker,
# prometheus and chromium first when they are missing and the machine
# allows it.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v nutcracker >/dev/null 2>&1 || missing+=(nutcracker)
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
if [ -z "${AMRBENCH_CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 \
  && ! command -v google-chrome >/dev/null 2>&1 && ! command -v google-chrome-stable >/dev/null 2>&1; then
  missing+=(chromium)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "test.sh: installing ${missing[*]} (the integration tests run against them)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    echo "test.sh: installing ${missing[*]} with sudo (the integration tests run against them)"
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "test.sh: ${missing[*]} not on PATH; install them (Debian/Ubuntu: apt-get install redis-server nutcracker prometheus chromium, macOS: brew install redis twemproxy prometheus and brew install --cask chromium, then AMRBENCH_CHROMIUM=/path/to/chromium)" >&2
    exit 1
  fi
fi

# Azurite, the Azure Storage emulator, serves the result sink's tests (npm
# package azurite, into a cache folder of this machine).
azurite_version=3.37.0
azurite_dir=${XDG_CACHE_HOME:-$HOME/.cache}/amrbench/azurite-$azurite_version
if [ -z "${AMRBENCH_AZURITE:-}" ] && [ ! -x "$azurite_dir/node_modules/.bin/azurite-blob" ]; then
  if command -v npm >/dev/null 2>&1; then
    echo "test.sh: installing azurite@$azurite_version into $azurite_dir (the result sink's tests run against it)"
    mkdir -p "$azurite_dir"
    npm install --prefix "$azurite_dir" --no-audit --no-fund --loglevel=error "azurite@$azurite_version" >/dev/null
  else
    echo "test.sh: npm is not on PATH: the result sink's tests against Azurite will be skipped (install Node.js and npm)"
  fi
fi

unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
  echo "test.sh: gofmt would change:" >&2
  echo "$unformatted" >&2
  exit 1
fi
go vet ./...

# staticcheck, at the version staticcheck.conf was written for, installed
# with go install when it is missing (GOBIN, or GOPATH/bin, joins PATH).
staticcheck_version=v0.8.2
gobin=$(go env GOBIN)
PATH="${gobin:-$(go env GOPATH)/bin}:$PATH"
if ! staticcheck -version 2>/dev/null | grep -q "(${staticcheck_version#v})"; then
  echo "test.sh: installing staticcheck $staticcheck_version"
  go install "honnef.co/go/tools/cmd/staticcheck@$staticcheck_version"
fi
staticcheck ./...

# One package at a time (-p 1): the open-loop tests measure rates, and the
# tests of connections that poll for replies keep a core busy while they
# run. The browser check runs on its own afterwards: Chromium takes both
# cores for seconds.
go test -race -count=1 -p 1 -skip 'InBrowser$' ./...
go test -race -count=1 -run 'InBrowser$' ./...

# The fuzz targets: their seed corpora (f.Add and testdata/fuzz) ran with
# the tests above; here each looks for new inputs for a bounded number of
# executions, about five seconds' worth on a quiet machine (nine targets,
# about two minutes with their builds). A count, not a duration: Go 1.26's
# fuzzing coordinator can fail a target with "context deadline exceeded"
# when a -fuzztime duration ends while a worker is busy (golang/go#75804).
# AMRBENCH_FUZZTIME sets another budget for every target (8s, 1000x; 0 skips).
# An input that fails is written to the package's testdata/fuzz/<target>/:
# keep it, fixed, as a regression case.
fuzztime=${AMRBENCH_FUZZTIME:-}
if [ "$fuzztime" != 0 ]; then
  for target in \
    ./results:FuzzRead:15000x ./results:FuzzHistogramJSON:60000x ./results:FuzzParseObjective:100000x \
    ./workloads:FuzzParsePreset:60000x ./workloads:FuzzParseFlagValues:60000x \
    ./report:FuzzRender:2500x ./report/catalog:FuzzParseCatalog:20000x \
    ./bench/openloop:FuzzParseRamp:200000x ./cmd/amrbench:FuzzParseRedisURI:20000x; do
    IFS=: read -r pkg name count <<<"$target"
    go test -run '^$' -fuzz "^${name}\$" -fuzztime "${fuzztime:-$count}" "$pkg"
  done
fi

# The nested modules of scripts/ keep their big dependencies
# (go-containerregistry, client-go) out of amrbench's go.mod.
(cd scripts/image && go vet ./... && go test -count=1 ./...)
(cd scripts/e2e-k8s && go vet ./...)
# The Kubernetes end-to-end test is opt-in: it runs when this machine has
# built the control plane (scripts/e2e-k8s.sh builds it once, in about half
# an hour, beyond CI's budget) and says why it skipped otherwise.
./scripts/e2e-k8s.sh --if-cached
echo "test.sh: screenshots of the HTML reports, as the browser showed them: build/screenshots/{run,find-max,staircase,compare,hover}.png (scripts/screenshots.sh copies them into docs/screenshots)"
