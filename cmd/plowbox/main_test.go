package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the plowbox binary built once for the integration tests.
var binary string

// igluCentral is the local copy of Iglu Central that every test instance validates
// against (there is no network here), as PLOWBOX_IGLU_DIR.
var igluCentral, _ = filepath.Abs("../../../shared/testdata/iglu-central")

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "plowbox-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "plowbox")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build plowbox:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// instance is a plowbox process started by a test.
type instance struct {
	URL    string
	Data   string
	cmd    *exec.Cmd
	stderr *strings.Builder

	mu     sync.Mutex // guards log and logged
	log    strings.Builder
	logged chan struct{} // closed and replaced at each stderr line
	exited chan struct{} // closed when stderr ends
}

// waitLog waits until plowbox has written a stderr line containing s and returns it; it
// fails the test when plowbox exits first or nothing comes within 20 s.
func (p *instance) waitLog(t *testing.T, s string) string {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		p.mu.Lock()
		text, ch := p.log.String(), p.logged
		p.mu.Unlock()
		for _, line := range strings.Split(text, "\n") {
			if strings.Contains(line, s) {
				return line
			}
		}
		select {
		case <-ch:
		case <-p.exited:
			t.Fatalf("plowbox exited without logging %q:\n%s", s, text)
		case <-timeout:
			t.Fatalf("plowbox did not log %q within 20s:\n%s", s, text)
		}
	}
}

// startPlowbox runs plowbox serve on a free loopback port with the data directory data
// (a fresh one when ""), waits for its startup line and stops it when the test ends.
func startPlowbox(t *testing.T, data string, args ...string) *instance {
	t.Helper()
	return startPlowboxEnv(t, data, nil, args...)
}

// startPlowboxEnv is startPlowbox with env added to the process environment.
func startPlowboxEnv(t *testing.T, data string, env []string, args ...string) *instance {
	t.Helper()
	if data == "" {
		data = t.TempDir()
	}
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	all := append([]string{"serve", "--addr", addr, "--data", data}, args...)
	cmd := exec.Command(binary, all...)
	cmd.Env = append(append(os.Environ(), "PLOWBOX_PASSWORD=", "PLOWBOX_IGLU_DIR="+igluCentral), env...) // tests choose auth explicitly
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inst := &instance{URL: "http://" + addr, Data: data, cmd: cmd, stderr: &strings.Builder{},
		logged: make(chan struct{}), exited: make(chan struct{})}
	started := make(chan struct{})
	go func() {
		defer close(inst.exited)
		sc := bufio.NewScanner(pipe)
		once := false
		for sc.Scan() {
			inst.stderr.WriteString(sc.Text() + "\n")
			inst.mu.Lock()
			inst.log.WriteString(sc.Text() + "\n")
			close(inst.logged)
			inst.logged = make(chan struct{})
			inst.mu.Unlock()
			if !once && strings.Contains(sc.Text(), "started at http://") {
				once = true
				close(started)
			}
		}
	}()
	t.Cleanup(func() { inst.kill(syscall.SIGTERM) })
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatalf("plowbox did not start; stderr:\n%s", inst.stderr.String())
	}
	return inst
}

// kill sends sig and waits for the process to exit.
func (p *instance) kill(sig syscall.Signal) {
	if p.cmd.ProcessState != nil {
		return
	}
	p.cmd.Process.Signal(sig)
	p.cmd.Wait()
}

// get fetches path and returns the status and body.
func (p *instance) get(t *testing.T, path string) (int, string) {
	t.Helper()
	return p.do(t, http.MethodGet, path, "", "")
}

// do sends a request with an optional body and content type.
func (p *instance) do(t *testing.T, method, path, contentType, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, p.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// getJSON fetches path, requires 200 and decodes the body into v.
func (p *instance) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	status, body := p.get(t, path)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, body)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
