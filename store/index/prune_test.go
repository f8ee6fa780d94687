package index

import (
	"reflect"
	"testing"
)

// TestForgetBeforeSync checks the promise replays rely on: the documents of records
// deleted before a commit are gone from searches once Sync has returned for it.
func TestForgetBeforeSync(t *testing.T) {
	e := newEnv(t)
	e.sample()
	p := NewPruner()
	p.OnDelete([]uint64{2}) // before Start: kept until the index is known
	p.Start(e.ix)
	p.OnDelete([]uint64{5})
	seven := e.track("e", "pv", "aid", "later")
	e.sync()
	if got := e.seqs(Query{}); !reflect.DeepEqual(got, []uint64{seven, 6, 4, 3, 1}) {
		t.Errorf("after forgetting 2 and 5 and indexing %d: %v", seven, got)
	}
	if p.DiskBytes() <= 0 {
		t.Errorf("DiskBytes = %d, want the index's size", p.DiskBytes())
	}
}
