package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A full disk, on a 24 MiB tmpfs mounted in a user and mount namespace of plowbox's own:
// no 200 for an event that is not stored, readiness (/sink-health) goes false while
// liveness (/health) stays, the errors are logged a few times rather than per request,
// and once space returns, readiness and storing come back without a restart.
func TestDiskFull(t *testing.T) {
	if err := exec.Command("unshare", "-rm", "true").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("unshare -rm (user and mount namespaces) is needed in CI: %v", err)
		}
		t.Skipf("no user and mount namespaces here (unshare -rm: %v)", err)
	}
	mnt := t.TempDir()
	wrapper := []string{"unshare", "-rm", "sh", "-c", `mount -t tmpfs -o size=24m plowbox-test "$0" && exec "$@"`, mnt}
	p := startVia(t, wrapper, filepath.Join(mnt, "data"), "--auth", "none", "--event-log=false", "--retention-bytes", "0")
	// The process sees the tmpfs; the test reaches it through the process's root.
	disk := fmt.Sprintf("/proc/%d/root%s", p.cmd.Process.Pid, mnt)
	if _, err := os.Stat(filepath.Join(disk, "data")); err != nil {
		t.Fatalf("the data directory inside the namespace: %v", err)
	}

	track := func(id string) int {
		resp, err := http.Get(p.URL + "/i?e=pv&p=web&tv=diskfull&eid=" + id)
		if err != nil {
			t.Fatalf("the process died? %v\n%s", err, p.stderr)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	acked := map[string]bool{}
	send := func(n int) (refused int) {
		for range n {
			id := newUUID()
			switch code := track(id); code {
			case http.StatusOK:
				acked[id] = true
			case http.StatusServiceUnavailable:
				refused++
			default:
				t.Fatalf("event answered %d", code)
			}
		}
		return refused
	}
	if refused := send(20); refused != 0 {
		t.Fatalf("%d of 20 refused before the disk is full", refused)
	}

	filler := filepath.Join(disk, "filler")
	fill(t, filler)
	refused := 0
	for i := 0; i < 2000 && refused < 50; i++ {
		refused += send(1)
	}
	if refused < 50 {
		t.Fatalf("the disk is full and only %d of the events were refused", refused)
	}
	if status, _ := p.get(t, "/sink-health"); status != http.StatusServiceUnavailable {
		t.Errorf("readiness on a full disk: %d", status)
	}
	if status, body := p.get(t, "/health"); status != http.StatusOK || body != "ok" {
		t.Errorf("liveness on a full disk: %d %s", status, body)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if status, _ := p.get(t, "/sink-health"); status != http.StatusOK {
		t.Errorf("readiness once space is back: %d", status)
	}
	if refused := send(20); refused != 0 {
		t.Errorf("%d of 20 refused once space is back", refused)
	}

	var good []goodEvent
	p.getJSON(t, "/micro/good", &good)
	seen := map[string]int{}
	for _, g := range good {
		seen[g.Event["event_id"].(string)]++
	}
	for id := range acked {
		if seen[id] != 1 {
			t.Errorf("acknowledged event %s stored %d times", id, seen[id])
		}
	}
	if errs := strings.Count(p.stderr.String(), "level=ERROR"); errs > 10 {
		t.Errorf("%d ERROR lines for %d refused requests:\n%s", errs, refused, p.stderr)
	}
	t.Logf("%d acknowledged, %d refused on the full disk, %d stored, %d ERROR lines", len(acked), refused, len(good), strings.Count(p.stderr.String(), "level=ERROR"))
}

// fill writes path until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return
		}
	}
}

// startVia runs plowbox serve under wrapper (a command that ends by running its
// arguments), like startPlowbox.
func startVia(t *testing.T, wrapper []string, data string, args ...string) *instance {
	t.Helper()
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	all := append(append(wrapper, binary, "serve", "--addr", addr, "--data", data), args...)
	cmd := exec.Command(all[0], all[1:]...)
	cmd.Env = append(os.Environ(), "PLOWBOX_PASSWORD=", "PLOWBOX_IGLU_DIR="+igluCentral)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	inst := &instance{URL: "http://" + addr, Data: data, cmd: cmd, stderr: &strings.Builder{}}
	started := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pipe)
		once := false
		for sc.Scan() {
			inst.stderr.WriteString(sc.Text() + "\n")
			if !once && strings.Contains(sc.Text(), "started at http://") {
				once = true
				close(started)
			}
		}
		if !once {
			close(started)
		}
	}()
	t.Cleanup(func() { inst.kill(syscall.SIGTERM) })
	select {
	case <-started:
	case <-time.After(10 * time.Second):
	}
	if !strings.Contains(inst.stderr.String(), "started at http://") {
		t.Fatalf("plowbox did not start; stderr:\n%s", inst.stderr.String())
	}
	return inst
}
