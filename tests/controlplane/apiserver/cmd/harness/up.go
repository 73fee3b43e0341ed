package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

type upFlags struct {
	bin, modules, ready, shared, work string
	operators                         string
	ttl                               time.Duration
	keep, watchStdin, loopback        bool
}

// readyInfo is what `up` writes to --ready once the control plane and every operator serve.
type readyInfo struct {
	Kubeconfig string  `json:"kubeconfig"`
	Logs       string  `json:"logs"`
	Work       string  `json:"work"`
	APIServer  string  `json:"apiserver"`
	Seconds    float64 `json:"seconds"`
	PID        int     `json:"pid"`
}

func cmdUp(args []string) error {
	var f upFlags
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	fs.StringVar(&f.bin, "bin", "", "directory holding kube-apiserver, kube-controller-manager and the operators' binaries")
	fs.StringVar(&f.modules, "modules", "", "JSON file mapping module path to its extracted directory (CRDs, webhook manifests)")
	fs.StringVar(&f.ready, "ready", "", "file to write (JSON) once everything serves")
	fs.StringVar(&f.shared, "shared", "", "shared/upstream directory (optional: KubeRay 1.7.0 CRD schemas)")
	fs.StringVar(&f.work, "work", "", "working directory (default: a new temporary directory, removed on exit)")
	fs.StringVar(&f.operators, "operators", "kserve,keda,kuberay,promop", "operators to run")
	fs.DurationVar(&f.ttl, "ttl", 45*time.Minute, "stop by itself after this long")
	fs.BoolVar(&f.keep, "keep", false, "keep the working directory (logs) on exit")
	fs.BoolVar(&f.watchStdin, "watch-stdin", true, "stop when standard input closes (the parent process is gone)")
	fs.BoolVar(&f.loopback, "loopback-up", false, "bring up lo first (when started in a new network namespace)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if f.loopback {
		if err := loopbackUp(); err != nil {
			return err
		}
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), f.ttl)
	defer cancel()

	work := f.work
	if work == "" {
		d, err := os.MkdirTemp("", "gpu-platform-verify-")
		if err != nil {
			return err
		}
		work = d
		if !f.keep {
			defer os.RemoveAll(work)
		}
	}
	logs := filepath.Join(work, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return err
	}
	mods, err := loadModules(f.modules)
	if err != nil {
		return err
	}
	certs, err := newPKI(filepath.Join(work, "pki"))
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	sup := &supervisor{logs: logs}
	defer sup.stopAll()

	etcdURL, stopEtcd, err := startEtcd(filepath.Join(work, "etcd"), logs)
	if err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	defer stopEtcd()

	apiPort, err := freePort()
	if err != nil {
		return err
	}
	api, err := sup.start("kube-apiserver", filepath.Join(f.bin, "kube-apiserver"), apiserverArgs(certs, etcdURL, apiPort, work), nil)
	if err != nil {
		return err
	}
	apiAddr := "127.0.0.1:" + strconv.Itoa(apiPort)
	kubeconfig := filepath.Join(work, "kubeconfig")
	if err := writeKubeconfig(kubeconfig, "https://"+apiAddr, certs); err != nil {
		return err
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = 200, 400
	if err := waitReadyz(ctx, cfg, api); err != nil {
		return err
	}
	k, err := newKubeFromConfig(cfg)
	if err != nil {
		return err
	}
	ops, err := selectOperators(f.operators)
	if err != nil {
		return err
	}
	env := &opEnv{bin: f.bin, mods: mods, shared: f.shared, certs: certs, kubeconfig: kubeconfig, work: work}
	if err := installCRDs(ctx, k, env, ops); err != nil {
		return err
	}
	// After the CRDs: the disruption controller resolves a PDB's pod owners (RayCluster) through discovery, and a
	// controller-manager started earlier answers "no matches for kind" instead of what a real cluster says.
	if _, err := sup.start("kube-controller-manager", filepath.Join(f.bin, "kube-controller-manager"), controllerManagerArgs(certs, kubeconfig), nil); err != nil {
		return err
	}
	if err := startOperators(ctx, k, sup, env, ops); err != nil {
		return err
	}

	info := readyInfo{Kubeconfig: kubeconfig, Logs: logs, Work: work, APIServer: "https://" + apiAddr, Seconds: time.Since(start).Seconds(), PID: os.Getpid()}
	if err := writeJSONAtomic(f.ready, info); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "harness: control plane ready at https://%s in %.1fs (logs: %s)\n", apiAddr, info.Seconds, logs)
	return waitForStop(ctx, sup, f.watchStdin)
}

func loadModules(path string) (map[string]string, error) {
	mods := map[string]string{}
	if path == "" {
		return mods, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return mods, json.Unmarshal(data, &mods)
}

// startEtcd runs etcd in-process (go.etcd.io/etcd/server/v3/embed, the version k8s.io/kubernetes 1.34 uses),
// on a free loopback port, without fsync: the data is thrown away with the run.
func startEtcd(dir, logs string) (string, func(), error) {
	cfg := embed.NewConfig()
	cfg.Dir = dir
	cfg.UnsafeNoFsync = true
	cfg.LogLevel = "error"
	cfg.LogOutputs = []string{filepath.Join(logs, "etcd.log")}
	clientPort, err := freePort()
	if err != nil {
		return "", nil, err
	}
	peerPort, err := freePort()
	if err != nil {
		return "", nil, err
	}
	cu, _ := url.Parse("http://127.0.0.1:" + strconv.Itoa(clientPort))
	pu, _ := url.Parse("http://127.0.0.1:" + strconv.Itoa(peerPort))
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{*cu}, []url.URL{*cu}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{*pu}, []url.URL{*pu}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return "", nil, err
	}
	select {
	case <-e.Server.ReadyNotify():
	case <-time.After(60 * time.Second):
		e.Close()
		return "", nil, fmt.Errorf("not ready in 60s")
	}
	return cu.String(), e.Close, nil
}

func apiserverArgs(c *pki, etcdURL string, port int, work string) []string {
	return []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--cert-dir=" + filepath.Join(work, "apiserver-certs"),
		"--tls-cert-file=" + c.serverCert,
		"--tls-private-key-file=" + c.serverKey,
		"--client-ca-file=" + c.caCert,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + c.saPub,
		"--service-account-signing-key-file=" + c.saKey,
		"--service-cluster-ip-range=10.96.0.0/16",
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
		// Loopback addresses are invalid Endpoints; nothing in the harness needs the `kubernetes` Service's endpoints.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
	}
}

func controllerManagerArgs(c *pki, kubeconfig string) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--authentication-kubeconfig=" + kubeconfig,
		"--authorization-kubeconfig=" + kubeconfig,
		"--bind-address=127.0.0.1",
		"--secure-port=0",
		"--leader-elect=false",
		"--service-account-private-key-file=" + c.saKey,
		"--root-ca-file=" + c.caCert,
		"--use-service-account-credentials=false",
		// What turns our objects into what a cluster runs: Deployments into ReplicaSets and Pods, PDB status,
		// HPAs (the one KEDA creates), quotas, garbage collection of owned objects.
		"--controllers=deployment-controller,replicaset-controller,statefulset-controller,daemonset-controller," +
			"job-controller,disruption-controller,horizontal-pod-autoscaler-controller,resourcequota-controller," +
			"serviceaccount-controller,serviceaccount-token-controller,namespace-controller,garbage-collector-controller," +
			"endpointslice-controller",
	}
}

func writeKubeconfig(path, server string, c *pki) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["verify"] = &clientcmdapi.Cluster{Server: server, CertificateAuthority: c.caCert}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificate: c.adminCert, ClientKey: c.adminKey}
	cfg.Contexts["verify"] = &clientcmdapi.Context{Cluster: "verify", AuthInfo: "admin"}
	cfg.CurrentContext = "verify"
	return clientcmd.WriteToFile(*cfg, path)
}

func waitReadyz(ctx context.Context, cfg *rest.Config, api *child) error {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return err
	}
	client := dc.RESTClient()
	deadline := time.Now().Add(120 * time.Second)
	for {
		body, err := client.Get().AbsPath("/readyz").DoRaw(ctx)
		if err == nil && strings.TrimSpace(string(body)) == "ok" {
			return nil
		}
		select {
		case <-api.done:
			return fmt.Errorf("kube-apiserver exited: %v (see its log)", api.err)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kube-apiserver not ready in 120s: %v", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func writeJSONAtomic(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

func waitForStop(ctx context.Context, sup *supervisor, watchStdin bool) error {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	stdinClosed := make(chan struct{})
	if watchStdin {
		go func() { _, _ = io.Copy(io.Discard, os.Stdin); close(stdinClosed) }()
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case s := <-sig:
			fmt.Fprintf(os.Stderr, "harness: %s, stopping\n", s)
			return nil
		case <-stdinClosed:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("time to live reached, stopping")
		case <-tick.C:
			if c := sup.exited(); c != nil {
				return fmt.Errorf("%s exited unexpectedly: %v (see %s.log)", c.name, c.err, c.name)
			}
		}
	}
}
