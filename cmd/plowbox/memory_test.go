package main

import "testing"

func TestSizeOption(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		show string
	}{
		{"256MiB", 256 << 20, "256MiB"},
		{"1GiB", 1 << 30, "1GiB"},
		{"0", 0, "0"},
		{"1000", 1000, "1000"},
	} {
		var n int64
		v := size(&n, defaultMemoryLimit)
		if err := v.Set(tc.in); err != nil {
			t.Fatalf("Set(%q): %v", tc.in, err)
		}
		if n != tc.want || v.String() != tc.show {
			t.Errorf("Set(%q) = %d, %q; want %d, %q", tc.in, n, v.String(), tc.want, tc.show)
		}
	}
	var n int64
	if err := size(&n, 0).Set("lots"); err == nil {
		t.Error("Set(lots) succeeded")
	}
}
