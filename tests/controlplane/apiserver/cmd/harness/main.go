// Command harness runs a real Kubernetes control plane on loopback for gpu-platform's `verify`:
// embedded etcd, kube-apiserver and kube-controller-manager (k8s.io/kubernetes 1.34), the pinned operators' CRDs,
// and the operators themselves (KServe, KEDA, KubeRay: controllers and admission webhooks) built from their own Go
// modules. This is controller-runtime's envtest pattern (real apiserver + etcd, webhooks served from the local
// process tree and registered by URL) extended with the real controller binaries.
//
//	harness up --bin DIR --modules FILE --ready FILE [--shared DIR] [--ttl 30m]
//	harness apply --kubeconfig FILE  MANIFEST...        one JSON line per object: admitted or the server's message
//	harness collect --kubeconfig FILE --out DIR --namespaces a,b   what the controllers derived, one YAML per object
//
// `up` stops every process it started on SIGINT/SIGTERM, when its standard input closes (its parent died), or
// after --ttl. Nothing listens outside 127.0.0.1.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: harness up|apply|collect [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "up":
		err = cmdUp(os.Args[2:])
	case "apply":
		err = cmdApply(os.Args[2:])
	case "collect":
		err = cmdCollect(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "harness:", err)
		os.Exit(1)
	}
}
