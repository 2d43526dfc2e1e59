package tests

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flow-aws-auth/flow-aws-auth/agentrun"
	"github.com/flow-aws-auth/flow-aws-auth/internal/demoaws/fakeaws"
	"github.com/grafana/agent/component"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// The four flavours of examples/kubernetes, and what each must render to.
var kubeFlavours = []struct {
	dir      string
	workload string // Deployment or DaemonSet
	irsa     bool
}{
	{"deployment-irsa", "Deployment", true},
	{"deployment-pod-identity", "Deployment", false},
	{"daemonset-irsa", "DaemonSet", true},
	{"daemonset-pod-identity", "DaemonSet", false},
}

// rendered is one flavour's objects, decoded strictly into the Kubernetes
// API types: a field those types do not have fails the decoding.
type rendered struct {
	namespaces      []corev1.Namespace
	serviceAccounts []corev1.ServiceAccount
	configMaps      []corev1.ConfigMap
	services        []corev1.Service
	roles           []rbacv1.ClusterRole
	bindings        []rbacv1.ClusterRoleBinding
	pod             *corev1.PodTemplateSpec
	selector        map[string]string
	replicas        *int32
	kinds           []string
}

// render builds a flavour with the kustomize Go API (what `kubectl
// kustomize` runs) and decodes every object strictly.
func render(t *testing.T, dir string) *rendered {
	t.Helper()
	resources, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), filepath.Join("../examples/kubernetes", dir))
	if err != nil {
		t.Fatalf("kustomize %s: %v", dir, err)
	}
	out := &rendered{}
	for _, r := range resources.Resources() {
		doc, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		kind := r.GetKind()
		out.kinds = append(out.kinds, kind)
		switch kind {
		case "Namespace":
			out.namespaces = append(out.namespaces, strict[corev1.Namespace](t, doc))
		case "ServiceAccount":
			out.serviceAccounts = append(out.serviceAccounts, strict[corev1.ServiceAccount](t, doc))
		case "ConfigMap":
			out.configMaps = append(out.configMaps, strict[corev1.ConfigMap](t, doc))
		case "Service":
			out.services = append(out.services, strict[corev1.Service](t, doc))
		case "ClusterRole":
			out.roles = append(out.roles, strict[rbacv1.ClusterRole](t, doc))
		case "ClusterRoleBinding":
			out.bindings = append(out.bindings, strict[rbacv1.ClusterRoleBinding](t, doc))
		case "Deployment":
			d := strict[appsv1.Deployment](t, doc)
			out.pod, out.selector, out.replicas = &d.Spec.Template, d.Spec.Selector.MatchLabels, d.Spec.Replicas
		case "DaemonSet":
			d := strict[appsv1.DaemonSet](t, doc)
			out.pod, out.selector = &d.Spec.Template, d.Spec.Selector.MatchLabels
		default:
			t.Fatalf("%s renders a %s, which the test does not know", dir, kind)
		}
	}
	return out
}

func strict[T any](t *testing.T, doc []byte) T {
	t.Helper()
	var v T
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(j))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decoding strictly into %T: %v\n%s", v, err, doc)
	}
	return v
}

func (r *rendered) configMap(t *testing.T, prefix string) corev1.ConfigMap {
	t.Helper()
	for _, c := range r.configMaps {
		if strings.HasPrefix(c.Name, prefix) {
			return c
		}
	}
	t.Fatalf("no ConfigMap %s*", prefix)
	return corev1.ConfigMap{}
}

// Every flavour renders to objects the Kubernetes API types accept, the
// agents are locked down and probed, they find each other through the
// headless Service, the service account carries the IRSA role or nothing,
// and the River configuration in the ConfigMap loads with the real
// controller and gets credentials the way the flavour provides them: the
// variables EKS's IRSA webhook or its Pod Identity Agent would set, against
// a fake STS or container endpoint.
func TestKubernetesManifests(t *testing.T) {
	for _, f := range kubeFlavours {
		t.Run(f.dir, func(t *testing.T) {
			r := render(t, f.dir)
			for _, kind := range []string{"Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Service", f.workload} {
				if !slices.Contains(r.kinds, kind) {
					t.Errorf("no %s rendered (%v)", kind, r.kinds)
				}
			}
			if r.pod == nil {
				t.Fatal("no workload")
			}
			if f.workload == "Deployment" && (r.replicas == nil || *r.replicas != 3) {
				t.Errorf("replicas %v, want 3", r.replicas)
			}
			spec := r.pod.Spec
			if len(spec.Containers) != 1 {
				t.Fatalf("%d containers", len(spec.Containers))
			}
			c := spec.Containers[0]

			// Locked down.
			psc, sc := spec.SecurityContext, c.SecurityContext
			if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != 65532 {
				t.Errorf("pod security context %+v: want non-root 65532", psc)
			}
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
				sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
				t.Errorf("container security context %+v: want a read-only root, no privilege escalation, no capabilities", sc)
			}
			if c.ReadinessProbe == nil || c.ReadinessProbe.HTTPGet == nil || c.ReadinessProbe.HTTPGet.Path != "/-/ready" {
				t.Fatalf("readiness probe %+v, want GET /-/ready", c.ReadinessProbe)
			}
			if c.LivenessProbe == nil || c.LivenessProbe.HTTPGet == nil || c.LivenessProbe.HTTPGet.Path != "/-/ready" {
				t.Fatalf("liveness probe %+v, want GET /-/ready", c.LivenessProbe)
			}
			if c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Limits.Memory().IsZero() {
				t.Errorf("resources %+v: want CPU and memory requests and a memory limit", c.Resources)
			}
			// The storage path is a writable volume; the root is not.
			mounts := map[string]string{}
			for _, m := range c.VolumeMounts {
				mounts[m.MountPath] = m.Name
			}
			if c.Args[0] != "run" || !slices.Contains(c.Args, "--storage.path=/var/lib/aws-agent") || mounts["/var/lib/aws-agent"] == "" || mounts["/etc/aws-agent"] == "" {
				t.Errorf("args %v, mounts %v: want run with its storage on a volume and its config mounted", c.Args, mounts)
			}

			// The flags are aws-agent run's; the agents find each other
			// through the headless Service, which selects their pods.
			cluster := agentrun.DefaultClusterOptions
			var server agentrun.ServerFlags
			fs := flag.NewFlagSet("run", flag.ContinueOnError)
			server.RegisterFlags(fs)
			fs.String("storage.path", "", "")
			cluster.RegisterFlags(fs)
			if err := fs.Parse(c.Args[2:]); err != nil || fs.NArg() != 0 {
				t.Fatalf("aws-agent run does not take %v: %v", c.Args[2:], err)
			}
			listen := &server.ListenAddr
			// A rollout's SIGTERM leaves the writers --shutdown.timeout to
			// send what they hold; the kubelet must not kill the pod first.
			grace := 30 * time.Second // Kubernetes' default
			if spec.TerminationGracePeriodSeconds != nil {
				grace = time.Duration(*spec.TerminationGracePeriodSeconds) * time.Second
			}
			if grace < server.ShutdownTimeout+5*time.Second {
				t.Errorf("terminationGracePeriodSeconds %s leaves --shutdown.timeout %s less than 5 s of margin", grace, server.ShutdownTimeout)
			}
			// The probes reach the agent's HTTP server: their port, by name
			// or number, is a port the container declares, on the port
			// --server.http.listen-addr listens on. (Caught, tried once:
			// the container port renamed from http to web, probes unchanged.)
			_, listenPort, err := net.SplitHostPort(*listen)
			if err != nil {
				t.Fatalf("--server.http.listen-addr=%q: %v", *listen, err)
			}
			for name, probe := range map[string]*corev1.Probe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
				if port, ok := containerPort(c, probe.HTTPGet.Port); !ok || strconv.Itoa(int(port)) != listenPort {
					t.Errorf("%s probe on port %q: resolves to %d (declared %v), want the listen address's %s", name, probe.HTTPGet.Port.String(), port, ok, listenPort)
				}
			}
			if !cluster.Enabled || len(cluster.JoinAddresses) != 1 || cluster.NodeName != "$(POD_NAME)" || cluster.AdvertiseAddress != "$(POD_IP)" {
				t.Errorf("cluster options %+v", cluster)
			}
			var headless *corev1.Service
			for i, s := range r.services {
				if s.Name == cluster.JoinAddresses[0] {
					headless = &r.services[i]
				}
			}
			if headless == nil || headless.Spec.ClusterIP != "None" || !headless.Spec.PublishNotReadyAddresses {
				t.Fatalf("no headless Service %q publishing unready pods: %+v", cluster.JoinAddresses, headless)
			}
			for _, s := range r.services {
				for k, v := range s.Spec.Selector {
					if r.pod.Labels[k] != v {
						t.Errorf("Service %s selects %s=%s, which the pods do not carry (%v)", s.Name, k, v, r.pod.Labels)
					}
				}
				if len(s.Spec.Selector) == 0 {
					t.Errorf("Service %s selects nothing", s.Name)
				}
			}
			for k, v := range r.selector {
				if r.pod.Labels[k] != v {
					t.Errorf("the workload selects %s=%s, which its pods do not carry", k, v)
				}
			}

			// The service account, its role binding, and IRSA or nothing.
			if len(r.serviceAccounts) != 1 || r.serviceAccounts[0].Name != spec.ServiceAccountName {
				t.Fatalf("service accounts %v, the pods use %q", r.serviceAccounts, spec.ServiceAccountName)
			}
			sa := r.serviceAccounts[0]
			role := sa.Annotations["eks.amazonaws.com/role-arn"]
			if f.irsa != (role != "") || (f.irsa && !strings.HasPrefix(role, "arn:aws:iam::")) {
				t.Errorf("IRSA %v, role annotation %q", f.irsa, role)
			}
			if len(r.bindings) != 1 || len(r.bindings[0].Subjects) != 1 || r.bindings[0].Subjects[0].Name != sa.Name || r.bindings[0].Subjects[0].Namespace != sa.Namespace {
				t.Errorf("the role binding does not bind the service account: %+v", r.bindings)
			}
			if len(r.roles) != 1 || !slices.Contains(r.roles[0].Rules[0].Verbs, "watch") || !slices.Contains(r.roles[0].Rules[0].Resources, "pods") {
				t.Errorf("cluster role %+v: pod discovery lists and watches pods", r.roles)
			}

			// The settings and the configuration the pods read exist.
			settings := r.configMap(t, "aws-agent-settings")
			config := r.configMap(t, "aws-agent-config")
			if c.EnvFrom[0].ConfigMapRef == nil || c.EnvFrom[0].ConfigMapRef.Name != settings.Name {
				t.Errorf("the container reads its settings from %+v, the ConfigMap is %s", c.EnvFrom, settings.Name)
			}
			var volumeMap string
			for _, v := range spec.Volumes {
				if v.Name == mounts["/etc/aws-agent"] && v.ConfigMap != nil {
					volumeMap = v.ConfigMap.Name
				}
			}
			river, ok := config.Data["config.river"]
			if volumeMap != config.Name || !ok || c.Args[1] != "/etc/aws-agent/config.river" {
				t.Fatalf("the pods mount %q as /etc/aws-agent and run %s; the ConfigMap is %s with %v", volumeMap, c.Args[1], config.Name, len(river))
			}

			loadInCluster(t, river, settings.Data, f.irsa, role)
		})
	}
}

// loadInCluster runs the River configuration with the variables the pod
// would have: the settings, its name, and what EKS injects for IRSA or Pod
// Identity, against fakes; the Kubernetes API is a fake reached through a
// kubeconfig, as the configuration reads KUBECONFIG when it is set.
func loadInCluster(t *testing.T, river string, settings map[string]string, irsa bool, role string) {
	h := newHarness(t)
	for k, v := range settings {
		t.Setenv(k, v)
	}
	t.Setenv("POD_NAME", "aws-agent-0")
	kubeconfig, lists := fakeKubernetes(t, h)
	t.Setenv("KUBECONFIG", kubeconfig)
	t.Setenv("AWS_ENDPOINT_URL_STS", h.stsURL)
	var want string
	if irsa {
		const oidc = "eyJhbGciOiJSUzI1NiJ9.eks.token"
		token := filepath.Join(h.dir, "token")
		if err := os.WriteFile(token, []byte(oidc), 0o600); err != nil {
			t.Fatal(err)
		}
		h.sts.AcceptWebIdentityTokens(oidc)
		t.Setenv("AWS_ROLE_ARN", role)
		t.Setenv("AWS_WEB_IDENTITY_TOKEN_FILE", token)
		want = "credentials from web_identity as " + strings.Replace(strings.Replace(role, ":iam::", ":sts::", 1), ":role/", ":assumed-role/", 1) + "/aws-agent-0"
	} else {
		const podToken = "eks-pod-identity-token"
		token := filepath.Join(h.dir, "pod-identity-token")
		if err := os.WriteFile(token, []byte(podToken), 0o600); err != nil {
			t.Fatal(err)
		}
		agent := &fakeaws.Container{Keys: h.keys, Token: func() string { return podToken }}
		t.Setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", h.serve(agent)+"/v1/credentials")
		t.Setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token)
		want = "credentials from container as "
	}
	// The OTLP receiver's port moves to a free loopback one: 4318 may be
	// taken on a test machine.
	river = strings.Replace(river, `"0.0.0.0:4318"`, fmt.Sprintf("%q", freeAddr(t)), 1)
	h.start(river)
	var last component.Health
	eventually(t, 15*time.Second, "aws.auth.aws resolves credentials", func() bool {
		last = h.health("aws.auth.aws")
		return last.Health == component.HealthTypeHealthy
	})
	if !strings.HasPrefix(last.Message, want) {
		t.Fatalf("aws.auth.aws: %s, want %s…", last.Message, want)
	}
	eventually(t, 15*time.Second, "pod discovery lists the pods", func() bool {
		return lists.Load() > 0 && h.health("discovery.kubernetes.pods").Health == component.HealthTypeHealthy
	})
}

// fakeKubernetes is a Kubernetes API with no pods, and a kubeconfig for
// it; lists counts the pod lists it answered.
func fakeKubernetes(t *testing.T, h *harness) (kubeconfig string, lists *atomic.Int32) {
	lists = &atomic.Int32{}
	api := h.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Query().Get("watch") == "true" {
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-r.Context().Done()
			return
		}
		if r.URL.Path != "/api/v1/pods" {
			http.NotFound(w, r)
			return
		}
		lists.Add(1)
		fmt.Fprint(w, `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}`)
	}))
	kubeconfig = filepath.Join(h.dir, "kubeconfig")
	body := fmt.Sprintf("apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster:\n    server: %s\ncontexts:\n- name: fake\n  context:\n    cluster: fake\n    user: agent\ncurrent-context: fake\nusers:\n- name: agent\n  user:\n    token: not-a-secret\n", api)
	if err := os.WriteFile(kubeconfig, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return kubeconfig, lists
}

// containerPort resolves a probe's port, a name or a number, to a port the
// container declares, as the kubelet does.
func containerPort(c corev1.Container, p intstr.IntOrString) (int32, bool) {
	for _, cp := range c.Ports {
		if p.Type == intstr.String && cp.Name == p.StrVal || p.Type == intstr.Int && cp.ContainerPort == p.IntVal {
			return cp.ContainerPort, true
		}
	}
	return 0, false
}
