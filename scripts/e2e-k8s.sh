#!/usr/bin/env bash
# The Kubernetes end-to-end test: amrbench's Job (amrbench k8s-job) run
# through a real control plane on this machine. Debian's etcd, and
# kube-apiserver, kube-controller-manager and kube-scheduler v1.37.2 built
# from the Go module proxy once per machine into
# ${XDG_CACHE_HOME:-$HOME/.cache}/amrbench/k8s-v1.37.2/ (about half an hour
# on 2 CPUs the first time); a stand-in kubelet runs the pods bound to three
# fake nodes as local processes (scripts/e2e-k8s/kubelet.go).
#
#   scripts/e2e-k8s.sh              build the control plane if needed, then test
#   scripts/e2e-k8s.sh --if-cached  test only if it is built (CI); else say why and exit 0
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=()
trap 'rm -rf "${tmp[@]}"' EXIT
version=v1.37.2
staging=v0.37.2
cache=${XDG_CACHE_HOME:-$HOME/.cache}/amrbench/k8s-$version
components=(kube-apiserver kube-controller-manager kube-scheduler)

missing=()
for c in "${components[@]}"; do
  [ -x "$cache/$c" ] || missing+=("$c")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "${1:-}" = "--if-cached" ]; then
    echo "e2e-k8s: skipped: ${missing[*]} $version not built in $cache (scripts/e2e-k8s.sh builds them once, in about half an hour)"
    exit 0
  fi
  echo "e2e-k8s: building ${missing[*]} $version into $cache (once per machine)"
  build=$(mktemp -d)
  tmp+=("$build")
  mkdir -p "$cache"
  cd "$build"
  # k8s.io/kubernetes names its staging modules at v0.0.0: each is replaced
  # by its release of the same minor version.
  cat >go.mod <<MOD
module k8sbuild

go 1.26.0

require k8s.io/kubernetes $version
MOD
  cat >tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
GO
  for m in api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider \
    cluster-bootstrap code-generator component-base component-helpers controller-manager cri-api \
    cri-client cri-streaming csi-translation-lib dynamic-resource-allocation endpointslice externaljwt \
    kms kube-aggregator kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics \
    mount-utils pod-security-admission sample-apiserver sample-cli-plugin sample-controller streaming; do
    go mod edit -replace "k8s.io/$m=k8s.io/$m@$staging"
  done
  go mod tidy
  for c in "${missing[@]}"; do
    go build -o "$cache/$c.tmp" "k8s.io/kubernetes/cmd/$c"
    mv "$cache/$c.tmp" "$cache/$c"
  done
  cd "$root"
fi

command -v etcd >/dev/null || { echo "e2e-k8s: etcd is not on PATH (apt-get install etcd-server)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "e2e-k8s: redis-server is not on PATH" >&2; exit 1; }
bin=$(mktemp -d)
tmp+=("$bin")
chmod 755 "$bin" # the pods run it as their own user
(cd "$root" && go build -o "$bin/amrbench" ./cmd/amrbench)
cd "$root/scripts/e2e-k8s"
AMRBENCH_K8S_BIN=$cache AMRBENCH_BIN=$bin/amrbench go test -count=1 -v -timeout 20m -run TestJobOnAControlPlane .
