package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/plowbox/plowbox/store"
)

// TestServeStopsCleanly runs plowbox serve in-process, sends an event, cancels its
// context and checks that it returns 0 having closed the store (which another Open can
// then take) with the event kept.
func TestServeStopsCleanly(t *testing.T) {
	data := t.TempDir()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", data, "--auth", "none", "--event-log=false",
			"--iglu-dir", igluCentral, "--retention-bytes", "0"}, io.Discard, pw, func(string) (string, bool) { return "", false })
		pw.Close()
	}()
	started := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		re := regexp.MustCompile(`started at (http://\S+)/`)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				started <- m[1]
			}
		}
	}()
	var url string
	select {
	case url = <-started:
	case code := <-done:
		t.Fatalf("serve returned %d before it started", code)
	}
	resp, err := http.Get(url + "/i?e=pv&p=web&tv=t&aid=lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /i = %d", resp.StatusCode)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("serve returned %d after its context ended, want 0", code)
	}
	opened := make(chan error, 1)
	go func() {
		st, err := store.Open(data, store.Options{NoSync: true})
		if err == nil {
			if c := st.Counts(); c.Good != 1 {
				t.Errorf("after restart: %+v, want the one event", c)
			}
			err = st.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the store is still locked: serve did not close it")
	}
}
