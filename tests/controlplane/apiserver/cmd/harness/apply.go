package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"sigs.k8s.io/yaml"
)

// applyResult is one line of `harness apply` output.
type applyResult struct {
	File      string `json:"file"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Admitted  bool   `json:"admitted"`
	Message   string `json:"message,omitempty"`
}

// cmdApply server-side-applies every object of the given files, in the order given, and prints one JSON line per
// object. A rejection is data, not a failure of the command: the caller decides.
func cmdApply(args []string) error {
	fs := flag.NewFlagSet("apply", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the harness")
	if err := fs.Parse(args); err != nil {
		return err
	}
	k, err := newKube(*kubeconfig)
	if err != nil {
		return err
	}
	ctx := context.Background()
	enc := json.NewEncoder(os.Stdout)
	for _, file := range fs.Args() {
		objs, err := readObjects(file)
		if err != nil {
			_ = enc.Encode(applyResult{File: file, Message: "unreadable: " + err.Error()})
			continue
		}
		for _, obj := range objs {
			res := applyResult{File: file, Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()}
			if _, err := k.apply(ctx, obj); err != nil {
				res.Message = apiMessage(err)
			} else {
				res.Admitted = true
			}
			if err := enc.Encode(res); err != nil {
				return err
			}
		}
	}
	return nil
}

// apiMessage is the API server's own message for a rejection (what kubectl prints after "Error from server").
func apiMessage(err error) string {
	if status, ok := err.(apierrors.APIStatus); ok {
		return status.Status().Message
	}
	return err.Error()
}

// The kinds `collect` reads back: what controllers derive from our objects, and our objects as the server holds
// them (defaulted, with status).
var collectKinds = []schema.GroupVersionResource{
	{Group: "apps", Version: "v1", Resource: "deployments"},
	{Group: "apps", Version: "v1", Resource: "replicasets"},
	{Group: "apps", Version: "v1", Resource: "statefulsets"},
	{Group: "apps", Version: "v1", Resource: "daemonsets"},
	{Version: "v1", Resource: "pods"},
	{Version: "v1", Resource: "services"},
	{Version: "v1", Resource: "configmaps"},
	{Version: "v1", Resource: "serviceaccounts"},
	{Group: "autoscaling", Version: "v2", Resource: "horizontalpodautoscalers"},
	{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"},
	{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"},
	{Group: "keda.sh", Version: "v1alpha1", Resource: "scaledobjects"},
	{Group: "serving.kserve.io", Version: "v1beta1", Resource: "inferenceservices"},
	{Group: "ray.io", Version: "v1", Resource: "rayservices"},
	{Group: "ray.io", Version: "v1", Resource: "rayclusters"},
}

type eventLine struct {
	Namespace string `json:"namespace"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Reason    string `json:"reason"`
	Message   string `json:"message"`
	Source    string `json:"source"`
	Count     int32  `json:"count"`
}

// cmdCollect writes every object of collectKinds in the given namespaces to --out/<derived|applied>/, one YAML per
// object (derived: created by a controller, i.e. not managed by our field manager), and prints Warning events as
// JSON lines.
func cmdCollect(args []string) error {
	fs := flag.NewFlagSet("collect", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the harness")
	out := fs.String("out", "", "directory to write derived/ and applied/ into")
	namespaces := fs.String("namespaces", "", "comma-separated namespaces to read")
	if err := fs.Parse(args); err != nil {
		return err
	}
	k, err := newKube(*kubeconfig)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for _, sub := range []string{"derived", "applied"} {
		if err := os.MkdirAll(filepath.Join(*out, sub), 0o755); err != nil {
			return err
		}
	}
	nss := strings.Split(*namespaces, ",")
	for _, gvr := range collectKinds {
		for _, ns := range nss {
			list, err := k.dyn.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				if apierrors.IsNotFound(err) {
					continue // kind not served (operator not installed)
				}
				return fmt.Errorf("list %s in %s: %w", gvr.Resource, ns, err)
			}
			for i := range list.Items {
				if err := writeObject(*out, &list.Items[i]); err != nil {
					return err
				}
			}
		}
	}
	return printWarnings(ctx, k, nss)
}

func writeObject(out string, obj *unstructured.Unstructured) error {
	sub := "derived"
	for _, mf := range obj.GetManagedFields() {
		if mf.Manager == fieldManager {
			sub = "applied"
		}
	}
	obj.SetManagedFields(nil)
	data, err := yaml.Marshal(obj.Object)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("%s.%s.%s.yaml", obj.GetNamespace(), obj.GetKind(), obj.GetName())
	return os.WriteFile(filepath.Join(out, sub, name), data, 0o644)
}

func printWarnings(ctx context.Context, k *kube, nss []string) error {
	gvr := schema.GroupVersionResource{Version: "v1", Resource: "events"}
	var lines []eventLine
	for _, ns := range nss {
		list, err := k.dyn.Resource(gvr).Namespace(ns).List(ctx, metav1.ListOptions{FieldSelector: "type=Warning"})
		if err != nil {
			return err
		}
		for _, e := range list.Items {
			kind, _, _ := unstructured.NestedString(e.Object, "involvedObject", "kind")
			name, _, _ := unstructured.NestedString(e.Object, "involvedObject", "name")
			reason, _, _ := unstructured.NestedString(e.Object, "reason")
			msg, _, _ := unstructured.NestedString(e.Object, "message")
			src, _, _ := unstructured.NestedString(e.Object, "source", "component")
			if src == "" {
				src, _, _ = unstructured.NestedString(e.Object, "reportingComponent")
			}
			count, _, _ := unstructured.NestedInt64(e.Object, "count")
			lines = append(lines, eventLine{Namespace: ns, Kind: kind, Name: name, Reason: reason, Message: msg, Source: src, Count: int32(count)})
		}
	}
	sort.Slice(lines, func(i, j int) bool {
		a, b := lines[i], lines[j]
		return a.Namespace+a.Kind+a.Name+a.Reason < b.Namespace+b.Kind+b.Name+b.Reason
	})
	enc := json.NewEncoder(os.Stdout)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	return nil
}
