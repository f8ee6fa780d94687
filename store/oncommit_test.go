package store

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/plowbox/plowbox/enrich"
)

// TestOnCommit checks that the commit hook sees every committed write and record once.
func TestOnCommit(t *testing.T) {
	var mu sync.Mutex
	var writes, records, calls int
	s, err := Open(t.TempDir(), Options{OnCommit: func(batch, recs int, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if d <= 0 {
			t.Errorf("commit duration %v, want > 0", d)
		}
		calls++
		writes += batch
		records += recs
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 3 {
		res := &enrich.Result{Payload: testPayload(i), Outputs: []enrich.Output{out(enrich.StageGood, "a"), out(enrich.StageAdapter, "b")}}
		if err := s.Write(context.Background(), res); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if calls == 0 || writes != 3 || records != 6 {
		t.Errorf("OnCommit saw %d calls, %d writes, %d records; want ≥1, 3, 6", calls, writes, records)
	}
}
