package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// KServe v0.20.0's manager: InferenceService/ServingRuntime controllers, the defaulting and validating webhooks,
// and the pod mutator. Flags and environment read in cmd/manager/main.go at v0.20.0.
var kserveOperator = operator{
	name: "kserve",
	crds: map[string][]string{modKServe: {"config/crd/full/serving.kserve.io_*.yaml"}},
	bootstrap: func(e *opEnv) ([]*unstructured.Unstructured, error) {
		cm, err := kserveConfig(e)
		if err != nil {
			return nil, err
		}
		return []*unstructured.Unstructured{namespace("kserve"), cm}, nil
	},
	start: func(ctx context.Context, e *opEnv, sup *supervisor) ([]*unstructured.Unstructured, error) {
		dir, err := e.mod(modKServe)
		if err != nil {
			return nil, err
		}
		tmp, err := serveDir(e, "kserve")
		if err != nil {
			return nil, err
		}
		p, err := ports(3)
		if err != nil {
			return nil, err
		}
		c, err := sup.start("kserve-manager", filepath.Join(e.bin, "manager"), []string{
			"--kubeconfig=" + e.kubeconfig,
			"--metrics-addr=" + loopback(p[0]),
			"--health-probe-addr=" + loopback(p[1]),
			fmt.Sprintf("--webhook-port=%d", p[2]),
			"--leader-elect=false",
		}, []string{"POD_NAMESPACE=kserve", "TMPDIR=" + tmp})
		if err != nil {
			return nil, err
		}
		if err := waitTLS(ctx, loopback(p[2]), c); err != nil {
			return nil, err
		}
		return webhookConfigs(e, filepath.Join(dir, "config/webhook/manifests.yaml"), p[2], nil)
	},
}

// kserveConfig is upstream's inferenceservice-config (config/configmap/inferenceservice.yaml) with the settings our
// kserve-resources values change (gpu_platform/render/operators.py kserve_values; the chart maps
// kserve.controller.deploymentMode and kserve.controller.gateway.* onto these keys): Standard mode, no Istio
// virtual host, no per-model Ingress.
func kserveConfig(e *opEnv) (*unstructured.Unstructured, error) {
	dir, err := e.mod(modKServe)
	if err != nil {
		return nil, err
	}
	objs, err := readObjects(filepath.Join(dir, "config/configmap/inferenceservice.yaml"))
	if err != nil {
		return nil, err
	}
	for _, obj := range objs {
		if obj.GetKind() != "ConfigMap" || obj.GetName() != "inferenceservice-config" {
			continue
		}
		obj.SetNamespace("kserve")
		for key, set := range map[string]map[string]interface{}{
			"deploy":  {"defaultDeploymentMode": "Standard"},
			"ingress": {"disableIstioVirtualHost": true, "disableIngressCreation": true},
		} {
			raw, _, _ := unstructured.NestedString(obj.Object, "data", key)
			var m map[string]interface{}
			if err := json.Unmarshal([]byte(raw), &m); err != nil {
				return nil, fmt.Errorf("inferenceservice-config %s: %w", key, err)
			}
			for k, v := range set {
				m[k] = v
			}
			b, _ := json.Marshal(m)
			if err := unstructured.SetNestedField(obj.Object, string(b), "data", key); err != nil {
				return nil, err
			}
		}
		return obj, nil
	}
	return nil, fmt.Errorf("inferenceservice-config not found in %s", dir)
}
