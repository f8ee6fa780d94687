// Package deploy_test checks plowbox's deployment recipes: the Dockerfile, the systemd
// unit, the Compose file, the Kubernetes manifests and the cloud-init user data. No
// Docker engine or cluster runs here, so the files are parsed and checked against the
// binary itself: its option table (serve --help), its health command, and a build made
// with the Dockerfile's own build command.
package deploy_test

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// binary is plowbox built with the Dockerfile's build command, by TestMain; empty when
// PLOWBOX_SLOW_TESTS is not 1 (the static build recompiles everything without the build
// cache's usual settings and takes minutes on two cores).
var binary string

// buildErr is why TestMain could not build the binary.
var buildErr error

func TestMain(m *testing.M) {
	if os.Getenv("PLOWBOX_SLOW_TESTS") != "1" {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "plowbox-deploy-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "plowbox")
	buildErr = buildLikeDockerfile(binary)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// needBinary skips t unless TestMain built the binary, and fails it when the build failed.
func needBinary(t *testing.T) {
	t.Helper()
	if binary == "" {
		t.Skip("builds plowbox like the Dockerfile (minutes); set PLOWBOX_SLOW_TESTS=1")
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// dockerfile is the Dockerfile's instructions, continuation lines joined.
func dockerfile(t *testing.T) []string {
	t.Helper()
	ins, err := dockerfileInstructions()
	if err != nil {
		t.Fatal(err)
	}
	return ins
}

// dockerfileInstructions reads ../Dockerfile's instructions, continuation lines joined.
func dockerfileInstructions() ([]string, error) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		return nil, err
	}
	var out []string
	var cur string
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if cur == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		out = append(out, cur+line)
		cur = ""
	}
	return out, nil
}

// shellWords splits a shell command line with double quotes, as the Dockerfile uses it.
func shellWords(s string) []string {
	var words []string
	var w strings.Builder
	inQuote, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
			inWord = true
		case r == ' ' && !inQuote:
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			w.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

// buildLikeDockerfile runs the Dockerfile's go build instruction outside Docker, with its
// ENV and ARG values, writing the binary to out.
func buildLikeDockerfile(out string) error {
	ins, err := dockerfileInstructions()
	if err != nil {
		return err
	}
	env := os.Environ()
	var run string
	for _, in := range ins {
		switch {
		case strings.HasPrefix(in, "ENV ") && run == "":
			env = append(env, shellWords(strings.TrimPrefix(in, "ENV "))...)
		case strings.HasPrefix(in, "RUN go build "):
			run = strings.TrimPrefix(in, "RUN ")
		}
	}
	if run == "" {
		return fmt.Errorf("the Dockerfile has no RUN go build instruction")
	}
	args := shellWords(strings.ReplaceAll(run, "${VERSION}", "9.9.9-docker"))
	for i, a := range args {
		if a == "-o" && i+1 < len(args) {
			args[i+1] = out
		}
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = ".."
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v\n%s", strings.Join(args, " "), err, b)
	}
	return nil
}

// TestDockerBuildIsStatic checks what the image's build stage produces: a static binary
// (no ELF interpreter, so it runs on distroless/static or scratch) with the version
// stamped.
func TestDockerBuildIsStatic(t *testing.T) {
	needBinary(t)
	f, err := elf.Open(binary)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary has an ELF interpreter: it is not static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("the binary links %v", libs)
	}
	out, err := exec.Command(binary, "version").Output()
	if first, _, _ := strings.Cut(string(out), "\n"); err != nil || first != "plowbox 9.9.9-docker" {
		t.Errorf("plowbox version = %q, %v", out, err)
	}
}

// options are plowbox's flags and environment variables, from its own help.
type options struct {
	flags map[string]bool // "serve --addr", "health --addr"
	env   map[string]bool
}

var helpLine = regexp.MustCompile(`^  --([a-z0-9-]+)(?:, -[a-z]+)*  \[(PLOWBOX_[A-Z0-9_]+)\]`)

// Without PLOWBOX_SLOW_TESTS=1 it skips the rest of the test, so callers check the
// files themselves first.
func plowboxOptions(t *testing.T) options {
	t.Helper()
	needBinary(t)
	o := options{flags: map[string]bool{}, env: map[string]bool{"MICRO_SSL_CERT_PASSWORD": true, "MICRO_IGLU_REGISTRY_URL": true, "MICRO_IGLU_API_KEY": true}}
	for _, cmd := range []string{"serve", "health"} {
		var stderr bytes.Buffer
		c := exec.Command(binary, cmd, "--help")
		c.Stderr = &stderr
		if err := c.Run(); err != nil {
			t.Fatalf("plowbox %s --help: %v\n%s", cmd, err, stderr.String())
		}
		sc := bufio.NewScanner(&stderr)
		for sc.Scan() {
			if m := helpLine.FindStringSubmatch(sc.Text()); m != nil {
				o.flags[cmd+" --"+m[1]] = true
				if cmd == "serve" {
					o.env[m[2]] = true
				}
			}
		}
	}
	if !o.flags["serve --addr"] || !o.env["PLOWBOX_DATA"] || !o.flags["health --addr"] {
		t.Fatalf("could not read the option table: %v", o.flags)
	}
	return o
}

var (
	envName  = regexp.MustCompile(`\b(PLOWBOX_[A-Z0-9_]+|MICRO_[A-Z0-9_]+)`)
	flagName = regexp.MustCompile(`(?:^|\s|")--([a-z][a-z0-9-]*)`)
	command  = regexp.MustCompile(`plowbox"?,? "?(serve|health)\b(.*)`)
)

// checkNames fails for every PLOWBOX_/MICRO_ variable and every plowbox flag in text that
// plowbox does not have. Flags are looked for after "plowbox serve" or "plowbox health".
func checkNames(t *testing.T, o options, file, text string) {
	t.Helper()
	for _, m := range envName.FindAllString(text, -1) {
		if !o.env[m] {
			t.Errorf("%s uses %s, which is not a plowbox option", file, m)
		}
	}
	for _, line := range strings.Split(text, "\n") {
		cm := command.FindStringSubmatch(line)
		if cm == nil {
			continue
		}
		for _, f := range flagName.FindAllStringSubmatch(cm[2], -1) {
			if f[1] != "help" && !o.flags[cm[1]+" --"+f[1]] {
				t.Errorf("%s: plowbox %s has no flag --%s", file, cm[1], f[1])
			}
		}
	}
}

func TestDockerfile(t *testing.T) {
	ins := dockerfile(t)
	want := []string{
		`FROM golang:`,
		`ENV CGO_ENABLED=0`,
		`RUN go build -trimpath -ldflags="-s -w -X main.version=${VERSION}"`,
		`FROM gcr.io/distroless/static`,
		`VOLUME /data`,
		`EXPOSE 9090 9543`,
		`USER 65532:65532`,
		`HEALTHCHECK `,
		`ENTRYPOINT ["/usr/local/bin/plowbox", "serve"]`,
	}
	i := 0
	for _, line := range ins {
		if i < len(want) && strings.HasPrefix(line, want[i]) {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("the Dockerfile lacks, in order, %q", want[i])
	}
	checkReplacesCopied(t, ins)
	if n := slices.IndexFunc(ins, func(s string) bool { return strings.HasPrefix(s, "HEALTHCHECK") }); n >= 0 &&
		!strings.Contains(ins[n], `["/usr/local/bin/plowbox", "health", "--ready"]`) {
		t.Errorf("HEALTHCHECK must use plowbox health --ready (no curl in the image; unhealthy while events cannot be stored): %s", ins[n])
	}
	env := strings.Join(ins, "\n")
	for _, kv := range []string{"PLOWBOX_DATA=/data", "PLOWBOX_CONFIG_DIR=/config", "PLOWBOX_ADDR=:9090"} {
		if !strings.Contains(env, kv) {
			t.Errorf("the image does not set %s", kv)
		}
	}
	checkNames(t, plowboxOptions(t), "Dockerfile", env)
}

// unit is a systemd unit: section → key → values in order.
type unit map[string]map[string][]string

// parseUnit reads systemd's INI dialect: [Section], Key=Value, # and ; comments,
// repeated keys accumulate.
func parseUnit(t *testing.T, text string) unit {
	t.Helper()
	u := unit{}
	section := ""
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			u[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("unit line %d: %q is not Key=Value in a section", n+1, line)
			}
			u[section][k] = append(u[section][k], v)
		}
	}
	return u
}

func TestSystemdUnit(t *testing.T) {
	text := read(t, "systemd/plowbox.service")
	u := parseUnit(t, text)
	svc := u["Service"]
	want := map[string]string{
		"DynamicUser":             "yes",
		"StateDirectory":          "plowbox",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"NoNewPrivileges":         "yes",
		"CapabilityBoundingSet":   "CAP_NET_BIND_SERVICE",
		"AmbientCapabilities":     "CAP_NET_BIND_SERVICE",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"SystemCallFilter":        "@system-service",
		"Restart":                 "on-failure",
		"MemoryMax":               "1G",
		"LimitNOFILE":             "65536",
		"EnvironmentFile":         "-/etc/plowbox/plowbox.env",
		"ExecStart":               "/usr/local/bin/plowbox serve",
	}
	for k, v := range want {
		if got := svc[k]; len(got) != 1 || got[0] != v {
			t.Errorf("[Service] %s = %q, want %q", k, got, v)
		}
	}
	if !slices.Contains(svc["Environment"], "PLOWBOX_DATA=/var/lib/plowbox") {
		t.Errorf("the data directory is not the StateDirectory: Environment = %q", svc["Environment"])
	}
	if got := u["Install"]["WantedBy"]; len(got) != 1 || got[0] != "multi-user.target" {
		t.Errorf("[Install] WantedBy = %q", got)
	}
	env := read(t, "systemd/plowbox.env")
	for n, line := range strings.Split(env, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") && !strings.Contains(line, "=") {
			t.Errorf("plowbox.env line %d is not NAME=value: %q", n+1, line)
		}
	}
	o := plowboxOptions(t)
	checkNames(t, o, "plowbox.service", text)
	checkNames(t, o, "plowbox.env", env)
}

func TestCompose(t *testing.T) {
	text := read(t, "compose/compose.yaml")
	var c struct {
		Services map[string]struct {
			Build struct {
				Context string `yaml:"context"`
			} `yaml:"build"`
			Restart     string            `yaml:"restart"`
			Ports       []string          `yaml:"ports"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
			ReadOnly    bool              `yaml:"read_only"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal([]byte(text), &c); err != nil {
		t.Fatal(err)
	}
	s, ok := c.Services["plowbox"]
	if !ok {
		t.Fatal("no plowbox service")
	}
	if s.Restart == "" || s.Restart == "no" {
		t.Errorf("restart = %q", s.Restart)
	}
	if !slices.Contains(s.Ports, "9090:9090") {
		t.Errorf("ports %v lack 9090", s.Ports)
	}
	if !slices.Contains(s.Volumes, "plowbox-data:/data") || c.Volumes == nil {
		t.Errorf("volumes %v: want the named volume plowbox-data on /data", s.Volumes)
	}
	if !s.ReadOnly {
		t.Error("the container's root file system is writable")
	}
	if strings.Join(s.Healthcheck.Test, " ") != "CMD /usr/local/bin/plowbox health --ready" {
		t.Errorf("healthcheck %v", s.Healthcheck.Test)
	}
	if _, err := os.Stat(filepath.Join("compose", s.Build.Context, "Dockerfile")); err != nil {
		t.Errorf("build context %q has no Dockerfile", s.Build.Context)
	}
	checkNames(t, plowboxOptions(t), "compose.yaml", text)
}

// k8sObject is the part of a Kubernetes object the test reads.
type k8sObject struct {
	Kind string `yaml:"kind"`
	Spec struct {
		Ports []struct {
			Port int `yaml:"port"`
		} `yaml:"ports"`
		Template struct {
			Spec struct {
				SecurityContext struct {
					RunAsNonRoot bool `yaml:"runAsNonRoot"`
				} `yaml:"securityContext"`
				Containers []struct {
					Args []string `yaml:"args"`
					Env  []struct {
						Name string `yaml:"name"`
					} `yaml:"env"`
					Ports []struct {
						ContainerPort int `yaml:"containerPort"`
					} `yaml:"ports"`
					VolumeMounts []struct {
						Name      string `yaml:"name"`
						MountPath string `yaml:"mountPath"`
					} `yaml:"volumeMounts"`
					SecurityContext struct {
						ReadOnlyRootFilesystem   bool `yaml:"readOnlyRootFilesystem"`
						AllowPrivilegeEscalation bool `yaml:"allowPrivilegeEscalation"`
					} `yaml:"securityContext"`
					Resources struct {
						Requests map[string]string `yaml:"requests"`
						Limits   map[string]string `yaml:"limits"`
					} `yaml:"resources"`
					StartupProbe   *probe `yaml:"startupProbe"`
					LivenessProbe  *probe `yaml:"livenessProbe"`
					ReadinessProbe *probe `yaml:"readinessProbe"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
		VolumeClaimTemplates []struct {
			Metadata struct {
				Name string `yaml:"name"`
			} `yaml:"metadata"`
		} `yaml:"volumeClaimTemplates"`
	} `yaml:"spec"`
}

type probe struct {
	HTTPGet struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
}

func TestKubernetes(t *testing.T) {
	text := read(t, "k8s/plowbox.yaml")
	dec := yaml.NewDecoder(strings.NewReader(text))
	kinds := map[string]k8sObject{}
	for {
		var o k8sObject
		if err := dec.Decode(&o); err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatal(err)
		}
		kinds[o.Kind] = o
	}
	svc, ok := kinds["Service"]
	if !ok || len(svc.Spec.Ports) == 0 || svc.Spec.Ports[0].Port != 9090 {
		t.Errorf("Service: %+v", svc.Spec.Ports)
	}
	ss, ok := kinds["StatefulSet"]
	if !ok || len(ss.Spec.Template.Spec.Containers) != 1 {
		t.Fatal("no StatefulSet with one container")
	}
	c := ss.Spec.Template.Spec.Containers[0]
	if len(c.Ports) == 0 || c.Ports[0].ContainerPort != 9090 {
		t.Errorf("container ports %+v", c.Ports)
	}
	// Liveness asks /health (the process answers); readiness asks /sink-health, which is
	// 503 while events cannot be stored, so a pod with a full disk gets no traffic.
	for name, want := range map[string]struct {
		p    *probe
		path string
	}{"startup": {c.StartupProbe, "/health"}, "liveness": {c.LivenessProbe, "/health"}, "readiness": {c.ReadinessProbe, "/sink-health"}} {
		if p := want.p; p == nil || p.HTTPGet.Path != want.path || p.HTTPGet.Port != "http" {
			t.Errorf("%s probe %+v, want GET %s on the http port", name, p, want.path)
		}
	}
	if len(ss.Spec.VolumeClaimTemplates) != 1 || len(c.VolumeMounts) != 1 ||
		c.VolumeMounts[0].Name != ss.Spec.VolumeClaimTemplates[0].Metadata.Name || c.VolumeMounts[0].MountPath != "/data" {
		t.Errorf("the data volume: claims %+v, mounts %+v", ss.Spec.VolumeClaimTemplates, c.VolumeMounts)
	}
	if !ss.Spec.Template.Spec.SecurityContext.RunAsNonRoot || !c.SecurityContext.ReadOnlyRootFilesystem || c.SecurityContext.AllowPrivilegeEscalation {
		t.Errorf("security context: pod %+v, container %+v", ss.Spec.Template.Spec.SecurityContext, c.SecurityContext)
	}
	if c.Resources.Requests["memory"] == "" || c.Resources.Limits["memory"] == "" {
		t.Errorf("resources %+v", c.Resources)
	}
	o := plowboxOptions(t)
	checkNames(t, o, "plowbox.yaml", text)
	for _, a := range c.Args {
		if strings.HasPrefix(a, "--") && !o.flags["serve "+a] {
			t.Errorf("container arg %s is not a plowbox serve flag", a)
		}
	}
}

func TestCloudInit(t *testing.T) {
	text := read(t, "cloud-init/user-data.yaml")
	if !strings.HasPrefix(text, "#cloud-config\n") {
		t.Fatal("user data must start with #cloud-config")
	}
	var ci struct {
		WriteFiles []struct {
			Path    string `yaml:"path"`
			Content string `yaml:"content"`
		} `yaml:"write_files"`
		Runcmd []any `yaml:"runcmd"`
	}
	if err := yaml.Unmarshal([]byte(text), &ci); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, f := range ci.WriteFiles {
		files[f.Path] = f.Content
	}
	if got, want := files["/etc/systemd/system/plowbox.service"], read(t, "systemd/plowbox.service"); got != want {
		t.Error("the unit in the user data differs from deploy/systemd/plowbox.service")
	}
	env := files["/etc/plowbox/plowbox.env"]
	if !strings.Contains(env, "PLOWBOX_TLS_DOMAIN=") || !strings.Contains(env, "PLOWBOX_HTTPS_ADDR=:443") {
		t.Errorf("the VM does not serve HTTPS through ACME:\n%s", env)
	}
	run := strings.Join(strings.Fields(strings.ReplaceAll(strings.TrimSpace(fmtAny(ci.Runcmd)), "\n", " ")), " ")
	for _, want := range []string{"sha256sum -c", "install -m 0755", "/usr/local/bin/plowbox", "systemctl enable --now plowbox.service"} {
		if !strings.Contains(run, want) {
			t.Errorf("runcmd lacks %q", want)
		}
	}
	checkNames(t, plowboxOptions(t), "user-data.yaml", text)
}

// fmtAny flattens runcmd entries (strings or argument lists) into text.
func fmtAny(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		var parts []string
		for _, e := range v {
			parts = append(parts, fmtAny(e))
		}
		return strings.Join(parts, " ")
	}
	return ""
}

// checkReplacesCopied checks that every module go.mod replaces with a local directory is
// copied into the build stage before RUN go mod download, which reads its go.mod.
func checkReplacesCopied(t *testing.T, ins []string) {
	t.Helper()
	gomod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	download := slices.Index(ins, "RUN go mod download")
	if download < 0 {
		t.Fatal("the Dockerfile has no RUN go mod download")
	}
	for _, line := range strings.Split(string(gomod), "\n") {
		_, dir, ok := strings.Cut(line, "=> ./")
		if !ok {
			continue
		}
		dir = strings.Fields(dir)[0]
		top, _, _ := strings.Cut(dir, "/")
		copied := slices.IndexFunc(ins[:download], func(s string) bool { return strings.HasPrefix(s, "COPY "+top+"/ ") })
		if copied < 0 {
			t.Errorf("go.mod replaces a module with ./%s, but the Dockerfile does not COPY %s/ before RUN go mod download", dir, top)
		}
	}
}
