package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
)

func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Concurrent senders, kill -9 in mid-stream, restart: every event plowbox acknowledged is
// there exactly once.
func TestCrashKeepsAcknowledgedEvents(t *testing.T) {
	p := startPlowbox(t, "", "--auth", "none", "--event-log=false")
	const senders, killAfter = 8, 1500

	var mu sync.Mutex
	acked := map[string]bool{}
	killed := make(chan struct{})
	var once sync.Once
	var wg sync.WaitGroup
	client := &http.Client{}
	for i := 0; i < senders; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-killed:
					return
				default:
				}
				id := newUUID()
				kind := "/i?e=pv&p=web&tv=crash&eid=" + id
				var resp *http.Response
				var err error
				if len(id)%2 == 0 || id[0] < '8' {
					resp, err = client.Get(p.URL + kind)
				} else {
					body := `{"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4","data":[{"e":"pv","p":"web","tv":"crash","eid":"` + id + `"}]}`
					resp, err = client.Post(p.URL+"/com.snowplowanalytics.snowplow/tp2", "application/json", strings.NewReader(body))
				}
				if err != nil {
					continue // the connection died with the process: not acknowledged
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					continue
				}
				mu.Lock()
				acked[id] = true
				n := len(acked)
				mu.Unlock()
				if n >= killAfter {
					once.Do(func() {
						p.kill(syscall.SIGKILL)
						close(killed)
					})
				}
			}
		}()
	}
	wg.Wait()

	again := startPlowbox(t, p.Data, "--auth", "none", "--event-log=false")
	var good []goodEvent
	again.getJSON(t, "/micro/good", &good)
	seen := map[string]int{}
	for _, g := range good {
		seen[g.Event["event_id"].(string)]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s stored %d times", id, n)
		}
	}
	missing := 0
	for id := range acked {
		if seen[id] != 1 {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged events lost after kill -9", missing, len(acked))
	}
	if _, body := again.get(t, "/micro/all"); body != fmt.Sprintf(`{"total":%d,"good":%d,"bad":0}`, len(good), len(good)) {
		t.Errorf("/micro/all = %s with %d good events listed", body, len(good))
	}
	t.Logf("%d acknowledged before kill -9, %d stored (requests in flight may land unacknowledged)", len(acked), len(good))
}
