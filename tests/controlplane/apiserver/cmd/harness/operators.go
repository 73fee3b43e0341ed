package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Module paths (keys of --modules) whose files the harness reads: CRDs and webhook manifests, exactly as each
// project ships them at the pinned tag.
const (
	modKServe    = "github.com/kserve/kserve"
	modKEDA      = "github.com/kedacore/keda/v2"
	modKubeRay   = "github.com/ray-project/kuberay/ray-operator"
	modKarpenter = "github.com/aws/karpenter-provider-aws"
	modPromOp    = "github.com/prometheus-operator/prometheus-operator"
	modCertMgr   = "github.com/cert-manager/cert-manager"
)

type opEnv struct {
	bin, shared, kubeconfig, work string
	mods                          map[string]string
	certs                         *pki
}

func (e *opEnv) mod(path string) (string, error) {
	d, ok := e.mods[path]
	if !ok || d == "" {
		return "", fmt.Errorf("module %s not in --modules (run tests/controlplane/build.sh)", path)
	}
	return d, nil
}

// webhookRef selects webhooks of an upstream manifest to register, served at port.
type operator struct {
	name string
	// crds: module path -> globs (relative to the module dir) of CRD files.
	crds map[string][]string
	// bootstrap: objects the operator needs before it starts (namespaces, its configuration).
	bootstrap func(e *opEnv) ([]*unstructured.Unstructured, error)
	// start launches the operator's processes; it returns the webhook configurations to register once they serve.
	start func(ctx context.Context, e *opEnv, sup *supervisor) ([]*unstructured.Unstructured, error)
}

// Environment CRDs: kinds our manifests use whose controllers do not run here (their CEL rules and schemas are
// enforced by the API server all the same).
var environmentCRDs = map[string][]string{
	modKarpenter: {"pkg/apis/crds/karpenter.sh_*.yaml", "pkg/apis/crds/karpenter.k8s.aws_*.yaml"},
	modPromOp:    {"example/prometheus-operator-crd/*.yaml"},
	modCertMgr:   {"deploy/crds/*.yaml"},
}

var operators = map[string]operator{
	"keda":    kedaOperator,
	"kserve":  kserveOperator,
	"kuberay": kuberayOperator,
	"promop":  promOperatorWebhook,
}

// Start order matters: KServe discovers keda.sh once at start-up, so KEDA's CRDs must exist before it starts
// (installCRDs installs every CRD first).
var operatorOrder = []string{"keda", "kuberay", "kserve", "promop"}

func selectOperators(list string) ([]operator, error) {
	want := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			if _, ok := operators[n]; !ok {
				return nil, fmt.Errorf("unknown operator %q", n)
			}
			want[n] = true
		}
	}
	var out []operator
	for _, n := range operatorOrder {
		if want[n] {
			out = append(out, operators[n])
		}
	}
	return out, nil
}

func installCRDs(ctx context.Context, k *kube, e *opEnv, ops []operator) error {
	sources := map[string][]string{}
	for m, g := range environmentCRDs {
		sources[m] = append(sources[m], g...)
	}
	for _, op := range ops {
		for m, g := range op.crds {
			sources[m] = append(sources[m], g...)
		}
	}
	mods := make([]string, 0, len(sources))
	for m := range sources {
		mods = append(mods, m)
	}
	sort.Strings(mods)
	var names []string
	for _, m := range mods {
		dir, err := e.mod(m)
		if err != nil {
			return err
		}
		for _, g := range sources[m] {
			files, _ := filepath.Glob(filepath.Join(dir, g))
			if len(files) == 0 {
				return fmt.Errorf("no CRDs match %s in %s", g, dir)
			}
			for _, f := range files {
				objs, err := readObjects(f)
				if err != nil {
					return err
				}
				for _, obj := range objs {
					if obj.GetKind() != "CustomResourceDefinition" {
						continue
					}
					if m == modKubeRay {
						if err := pinKubeRaySchema(obj, e.shared); err != nil {
							return err
						}
					}
					if err := k.applyRetrying(ctx, obj, 30*time.Second); err != nil {
						return fmt.Errorf("install CRD from %s: %w", f, err)
					}
					names = append(names, obj.GetName())
				}
			}
		}
	}
	return k.waitEstablished(ctx, names, 60*time.Second)
}

// pinKubeRaySchema replaces the v1 schema of a KubeRay CRD taken from the v1.6.1 module with KubeRay 1.7.0's
// (shared/upstream/crds), so the API server enforces the schema of the version our chart installs.
func pinKubeRaySchema(crd *unstructured.Unstructured, shared string) error {
	if shared == "" {
		return nil
	}
	kind, _, _ := unstructured.NestedString(crd.Object, "spec", "names", "kind")
	path := filepath.Join(shared, "crds", "ray.io_v1_"+kind+".json")
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	} else if err != nil {
		return err
	}
	var schema map[string]interface{}
	if err := json.Unmarshal(data, &schema); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	versions, _, _ := unstructured.NestedSlice(crd.Object, "spec", "versions")
	for i, v := range versions {
		vm := v.(map[string]interface{})
		if vm["name"] == "v1" {
			vm["schema"] = map[string]interface{}{"openAPIV3Schema": schema}
			versions[i] = vm
		}
	}
	return unstructured.SetNestedSlice(crd.Object, versions, "spec", "versions")
}

func startOperators(ctx context.Context, k *kube, sup *supervisor, e *opEnv, ops []operator) error {
	for _, op := range ops {
		if op.bootstrap != nil {
			objs, err := op.bootstrap(e)
			if err != nil {
				return fmt.Errorf("%s: %w", op.name, err)
			}
			for _, obj := range objs {
				if err := k.applyRetrying(ctx, obj, 30*time.Second); err != nil {
					return fmt.Errorf("%s bootstrap: %w", op.name, err)
				}
			}
		}
		hooks, err := op.start(ctx, e, sup)
		if err != nil {
			return fmt.Errorf("%s: %w", op.name, err)
		}
		for _, h := range hooks {
			if err := k.applyRetrying(ctx, h, 30*time.Second); err != nil {
				return fmt.Errorf("%s webhooks: %w", op.name, err)
			}
		}
	}
	return nil
}

// webhookConfigs reads upstream's webhook manifest and points the selected webhooks at https://127.0.0.1:port,
// trusting our CA: how envtest registers webhooks served by a local process.
func webhookConfigs(e *opEnv, file string, port int, keep func(name string) bool) ([]*unstructured.Unstructured, error) {
	objs, err := readObjects(file)
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, obj := range objs {
		if obj.GetKind() != "ValidatingWebhookConfiguration" && obj.GetKind() != "MutatingWebhookConfiguration" {
			continue
		}
		hooks, _, _ := unstructured.NestedSlice(obj.Object, "webhooks")
		var kept []interface{}
		for _, h := range hooks {
			hm := h.(map[string]interface{})
			name, _ := hm["name"].(string)
			if keep != nil && !keep(name) {
				continue
			}
			path, _, _ := unstructured.NestedString(hm, "clientConfig", "service", "path")
			hm["clientConfig"] = map[string]interface{}{
				"url":      "https://127.0.0.1:" + strconv.Itoa(port) + path,
				"caBundle": base64.StdEncoding.EncodeToString(e.certs.caPEM),
			}
			kept = append(kept, hm)
		}
		if len(kept) == 0 {
			continue
		}
		obj.SetAnnotations(nil)
		unstructured.RemoveNestedField(obj.Object, "metadata", "creationTimestamp")
		if err := unstructured.SetNestedSlice(obj.Object, kept, "webhooks"); err != nil {
			return nil, err
		}
		out = append(out, obj)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no webhooks selected from %s", file)
	}
	return out, nil
}

// serveDir returns a TMPDIR whose k8s-webhook-server/serving-certs holds our webhook cert: controller-runtime's
// default certificate location for operators that have no cert-dir flag.
func serveDir(e *opEnv, name string) (string, error) {
	tmp := filepath.Join(e.work, name+"-tmp")
	certs := filepath.Join(tmp, "k8s-webhook-server", "serving-certs")
	if err := copyCerts(e, certs); err != nil {
		return "", err
	}
	return tmp, nil
}

// copyCerts writes tls.crt, tls.key and ca.crt into dir.
func copyCerts(e *opEnv, dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	for dst, src := range map[string]string{"tls.crt": e.certs.webhookCert, "tls.key": e.certs.webhookKey, "ca.crt": e.certs.caCert} {
		data, err := os.ReadFile(src)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, dst), data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

func loopback(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

func itoa(i int) string { return strconv.Itoa(i) }

func ports(n int) ([]int, error) {
	out := make([]int, n)
	for i := range out {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		out[i] = p
	}
	return out, nil
}

func namespace(name string) *unstructured.Unstructured {
	return &unstructured.Unstructured{Object: map[string]interface{}{
		"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]interface{}{"name": name},
	}}
}
