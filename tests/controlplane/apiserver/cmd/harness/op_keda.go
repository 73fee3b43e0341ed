package main

import (
	"context"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// KEDA v2.20.2: the operator (ScaledObject controller, which creates the HPA) and the admission webhooks.
// Flags and environment read in cmd/operator/main.go and cmd/webhooks/main.go at v2.20.2. Cert rotation stays
// off (it would patch webhook configurations and restart the process); the operator's gRPC metrics service needs
// ca.crt/tls.crt/tls.key in --cert-dir.
var kedaOperator = operator{
	name: "keda",
	crds: map[string][]string{modKEDA: {"config/crd/bases/*.yaml"}},
	bootstrap: func(e *opEnv) ([]*unstructured.Unstructured, error) {
		return []*unstructured.Unstructured{namespace("keda")}, nil
	},
	start: func(ctx context.Context, e *opEnv, sup *supervisor) ([]*unstructured.Unstructured, error) {
		dir, err := e.mod(modKEDA)
		if err != nil {
			return nil, err
		}
		certs := filepath.Join(e.work, "keda-certs")
		if err := copyCerts(e, certs); err != nil {
			return nil, err
		}
		p, err := ports(5)
		if err != nil {
			return nil, err
		}
		if _, err := sup.start("keda-operator", filepath.Join(e.bin, "operator"), []string{
			"--kubeconfig=" + e.kubeconfig,
			"--leader-elect=false",
			"--cert-dir=" + certs,
			"--metrics-bind-address=" + loopback(p[0]),
			"--health-probe-bind-address=" + loopback(p[1]),
			"--metrics-service-bind-address=" + loopback(p[2]),
		}, []string{"WATCH_NAMESPACE=", "KEDA_CLUSTER_OBJECT_NAMESPACE=keda", "POD_NAMESPACE=keda"}); err != nil {
			return nil, err
		}
		wh, err := sup.start("keda-webhooks", filepath.Join(e.bin, "webhooks"), []string{
			"--kubeconfig=" + e.kubeconfig,
			"--cert-dir=" + certs,
			"--port=" + itoa(p[3]),
			"--metrics-bind-address=0",
			"--health-probe-bind-address=" + loopback(p[4]),
		}, []string{"POD_NAMESPACE=keda"})
		if err != nil {
			return nil, err
		}
		if err := waitTLS(ctx, loopback(p[3]), wh); err != nil {
			return nil, err
		}
		return webhookConfigs(e, filepath.Join(dir, "config/webhooks/validation_webhooks.yaml"), p[3], nil)
	},
}
