package main

import (
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
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

// Concurrent senders, kill -9 in mid-stream, restart, count, for several rounds on one
// data directory (one round; five with PLOWBOX_SLOW_TESTS=1, as CI runs it; the proof run
// of 20 with PLOWBOX_CRASH_ROUNDS=20): after each restart every event plowbox acknowledged
// is there exactly once, and the search index holds exactly the store's records.
func TestCrashKeepsAcknowledgedEvents(t *testing.T) {
	rounds, killAfter := 1, 1000
	if os.Getenv("PLOWBOX_SLOW_TESTS") == "1" {
		rounds, killAfter = 5, 1500
	}
	if v := os.Getenv("PLOWBOX_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("PLOWBOX_CRASH_ROUNDS=%q: want a number of rounds ≥ 1", v)
		}
		rounds, killAfter = n, 1500
	}
	data := t.TempDir()
	acked := map[string]bool{}
	for round := 1; round <= rounds; round++ {
		p := startPlowbox(t, data, "--auth", "none", "--event-log=false")
		if round > 1 {
			checkAfterCrash(t, p, acked, round-1)
		}
		n := sendUntilKilled(p, acked, killAfter)
		t.Logf("round %d: %d acknowledged before kill -9 (%d in all)", round, n, len(acked))
	}
	p := startPlowbox(t, data, "--auth", "none", "--event-log=false")
	checkAfterCrash(t, p, acked, rounds)
}

// sendUntilKilled sends events from 8 concurrent senders, GETs and TP2 POSTs, until
// killAfter of them were acknowledged, then kills p with SIGKILL while they keep sending.
// It adds the acknowledged event ids to acked and returns how many it added.
func sendUntilKilled(p *instance, acked map[string]bool, killAfter int) int {
	const senders = 8
	var mu sync.Mutex
	n := 0
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
				n++
				done := n >= killAfter
				mu.Unlock()
				if done {
					once.Do(func() {
						p.kill(syscall.SIGKILL)
						close(killed)
					})
				}
			}
		}()
	}
	wg.Wait()
	return n
}

// checkAfterCrash checks a restarted plowbox: every acknowledged event stored exactly
// once, /micro/all agreeing, and, once the index has caught up, the index holding
// exactly the store's records (no record missing, none twice).
func checkAfterCrash(t *testing.T, p *instance, acked map[string]bool, round int) {
	t.Helper()
	var good []goodEvent
	p.getJSON(t, "/micro/good", &good)
	seen := map[string]int{}
	for _, g := range good {
		seen[g.Event["event_id"].(string)]++
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("after kill -9 #%d: event %s stored %d times", round, id, n)
		}
	}
	missing := 0
	for id := range acked {
		if seen[id] != 1 {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("after kill -9 #%d: %d of %d acknowledged events lost", round, missing, len(acked))
	}
	if _, body := p.get(t, "/micro/all"); body != fmt.Sprintf(`{"total":%d,"good":%d,"bad":0}`, len(good), len(good)) {
		t.Errorf("after kill -9 #%d: /micro/all = %s with %d good events listed", round, body, len(good))
	}
	// The index follows the store: wait until it has every record, then list it.
	status, body := p.get(t, fmt.Sprintf("/plowbox/api/wait?n=%d&timeout=2m", len(good)))
	if status != http.StatusOK {
		t.Fatalf("after kill -9 #%d: the index did not catch up with %d records: %d %.300s", round, len(good), status, body)
	}
	indexed := map[string]int{}
	after := ""
	for {
		var page struct {
			Total uint64  `json:"total"`
			Next  *string `json:"next"`
			Hits  []struct {
				EventID string `json:"event_id"`
			} `json:"hits"`
		}
		p.getJSON(t, "/plowbox/api/search?size=1000&after="+url.QueryEscape(after), &page)
		if page.Total != uint64(len(good)) {
			t.Fatalf("after kill -9 #%d: the index has %d records, the store %d", round, page.Total, len(good))
		}
		for _, h := range page.Hits {
			indexed[h.EventID]++
		}
		if page.Next == nil || len(page.Hits) == 0 {
			break
		}
		after = *page.Next
	}
	for id := range seen {
		if indexed[id] != 1 {
			t.Errorf("after kill -9 #%d: event %s indexed %d times", round, id, indexed[id])
		}
	}
	if len(indexed) != len(seen) {
		t.Errorf("after kill -9 #%d: %d events indexed, %d stored", round, len(indexed), len(seen))
	}
}
