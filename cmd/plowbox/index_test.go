package main

import "testing"

// Under a byte budget, the index's merged segments hold about a tenth of the records the
// budget keeps; without one, scorch's default applies.
func TestSegmentDocs(t *testing.T) {
	for _, c := range []struct {
		budget int64
		want   int
	}{
		{0, 0},
		{-1, 0},
		{1 << 20, minSegmentDocs},
		{256 << 20, 16777},
		{10 << 30, 671088},
	} {
		if got := segmentDocs(c.budget); got != c.want {
			t.Errorf("segmentDocs(%d) = %d, want %d", c.budget, got, c.want)
		}
	}
}
