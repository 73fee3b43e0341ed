package main

import (
	"context"
	"encoding/base64"
	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// prometheus-operator v0.93.1's admission webhook: kube-prometheus-stack 88.x deploys it and registers it for
// PrometheusRules (charts/kube-prometheus-stack/templates/prometheus-operator/admission-webhooks/
// validatingWebhookConfiguration.yaml: path /admission-prometheusrules/validate, failurePolicy Fail by default).
// It parses every rule with Prometheus's own rule loader, so a rule Prometheus would refuse is refused here.
var promOperatorWebhook = operator{
	name: "promop",
	start: func(ctx context.Context, e *opEnv, sup *supervisor) ([]*unstructured.Unstructured, error) {
		p, err := ports(1)
		if err != nil {
			return nil, err
		}
		c, err := sup.start("prometheus-operator-admission-webhook", filepath.Join(e.bin, "admission-webhook"), []string{
			"--web.listen-address=" + loopback(p[0]),
			"--web.enable-tls=true",
			"--web.cert-file=" + e.certs.webhookCert,
			"--web.key-file=" + e.certs.webhookKey,
		}, nil)
		if err != nil {
			return nil, err
		}
		if err := waitTLS(ctx, loopback(p[0]), c); err != nil {
			return nil, err
		}
		none, fail := "None", "Fail"
		hook := map[string]interface{}{
			"name":                    "prometheusrulevalidate.monitoring.coreos.com",
			"admissionReviewVersions": []interface{}{"v1", "v1beta1"},
			"sideEffects":             none,
			"failurePolicy":           fail,
			"clientConfig": map[string]interface{}{
				"url":      "https://" + loopback(p[0]) + "/admission-prometheusrules/validate",
				"caBundle": base64.StdEncoding.EncodeToString(e.certs.caPEM),
			},
			"rules": []interface{}{map[string]interface{}{
				"apiGroups":   []interface{}{"monitoring.coreos.com"},
				"apiVersions": []interface{}{"*"},
				"resources":   []interface{}{"prometheusrules"},
				"operations":  []interface{}{"CREATE", "UPDATE"},
			}},
		}
		cfg := &unstructured.Unstructured{Object: map[string]interface{}{
			"apiVersion": "admissionregistration.k8s.io/v1",
			"kind":       "ValidatingWebhookConfiguration",
			"metadata":   map[string]interface{}{"name": "kube-prometheus-stack-admission"},
			"webhooks":   []interface{}{hook},
		}}
		return []*unstructured.Unstructured{cfg}, nil
	},
}
