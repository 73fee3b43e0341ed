package main

import (
	"context"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// kuberayWebhookPort is fixed: ray-operator has no flag for it (controller-runtime's default 9443).
const kuberayWebhookPort = 9443

// KubeRay's operator (RayService -> RayCluster -> Pods) with its webhooks on (ENABLE_WEBHOOKS=true). main.go
// registers only the RayCluster validator, so only vraycluster.kb.io is registered: the manifest's RayJob and
// RayService entries have no handler and would reject every object (read in ray-operator v1.6.1 main.go).
var kuberayOperator = operator{
	name: "kuberay",
	crds: map[string][]string{modKubeRay: {
		"config/crd/bases/ray.io_rayclusters.yaml",
		"config/crd/bases/ray.io_rayservices.yaml",
		"config/crd/bases/ray.io_rayjobs.yaml",
	}},
	start: func(ctx context.Context, e *opEnv, sup *supervisor) ([]*unstructured.Unstructured, error) {
		dir, err := e.mod(modKubeRay)
		if err != nil {
			return nil, err
		}
		tmp, err := serveDir(e, "kuberay")
		if err != nil {
			return nil, err
		}
		p, err := ports(2)
		if err != nil {
			return nil, err
		}
		c, err := sup.start("kuberay-operator", filepath.Join(e.bin, "ray-operator"), []string{
			"--kubeconfig=" + e.kubeconfig,
			"--enable-leader-election=false",
			"--metrics-addr=" + loopback(p[0]),
			"--health-probe-bind-address=" + loopback(p[1]),
		}, []string{"ENABLE_WEBHOOKS=true", "TMPDIR=" + tmp})
		if err != nil {
			return nil, err
		}
		if err := waitTLS(ctx, loopback(kuberayWebhookPort), c); err != nil {
			return nil, err
		}
		return webhookConfigs(e, filepath.Join(dir, "config/webhook/manifests.yaml"), kuberayWebhookPort,
			func(name string) bool { return name == "vraycluster.kb.io" })
	},
}
