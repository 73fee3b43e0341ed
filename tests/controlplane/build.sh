#!/usr/bin/env bash
# Build the verification control plane from Go modules at pinned versions (nothing downloaded is committed):
#   apiserver/  kube-apiserver + kube-controller-manager (k8s.io/kubernetes v1.34.4) and our harness
#   kserve/     KServe v0.20.0 manager          keda/  KEDA v2.20.2 operator + webhooks
#   kuberay/    KubeRay ray-operator v1.6.1 (v1.7.0 is not served by the Go module proxy; see kuberay/go.mod)
#   promop/     prometheus-operator v0.93.1's admission webhook (validates PrometheusRules)
# and download, without building, the modules whose CRDs the API server needs (pinned below).
# Module and build caches live under <repo>/.cache/go (git-ignored): a warm run only checks and relinks.
# Progress goes to stderr; the last line of stdout is JSON: {"bin": DIR, "modules": FILE}.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export GOMODCACHE="${GOMODCACHE:-$root/.cache/go/mod}" GOCACHE="${GOCACHE:-$root/.cache/go/build}"
export GOFLAGS="-modcacherw -buildvcs=false -mod=readonly" GOTOOLCHAIN=local CGO_ENABLED=0
bin="$root/.cache/controlplane/bin"
mkdir -p "$bin"

# CRD sources (not built): the versions our charts install (gpu_platform/catalog/versions.py).
crd_modules=(
  github.com/aws/karpenter-provider-aws@v1.14.1
  github.com/prometheus-operator/prometheus-operator@v0.93.1
  github.com/cert-manager/cert-manager@v1.21.1
)

for m in apiserver keda kuberay kserve promop; do
  start=$SECONDS
  echo "controlplane: building $m (cold: minutes of downloads and compiling; cached: seconds)" >&2
  pkgs=(tool); [ "$m" = apiserver ] && pkgs+=(./cmd/harness)
  (cd "$here/$m" && go build -trimpath -o "$bin/" "${pkgs[@]}") >&2
  echo "controlplane: $m ready ($((SECONDS - start))s)" >&2
done

# module path -> extracted directory, for the harness to read CRDs and webhook manifests from.
modules="$root/.cache/controlplane/modules.json"
{
  (cd "$here/kserve" && go list -m -json github.com/kserve/kserve)
  (cd "$here/keda" && go list -m -json github.com/kedacore/keda/v2)
  (cd "$here/kuberay" && go list -m -json github.com/ray-project/kuberay/ray-operator)
  for m in "${crd_modules[@]}"; do (cd "$here/apiserver" && GOFLAGS=-modcacherw go mod download -json "$m"); done
} | python3 -c '
import json, sys
dec, text, out, i = json.JSONDecoder(), sys.stdin.read(), {}, 0
while i < len(text):
    if text[i].isspace():
        i += 1; continue
    obj, i = dec.raw_decode(text, i)
    if obj.get("Error"): sys.exit("controlplane: " + obj["Error"])
    out[obj["Path"]] = obj["Dir"]
json.dump(out, open(sys.argv[1], "w"), indent=2)
' "$modules"
printf '{"bin": "%s", "modules": "%s"}\n' "$bin" "$modules"
