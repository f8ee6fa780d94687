package options

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
		v := Size(&n, 256<<20)
		if err := v.Set(tc.in); err != nil {
			t.Fatalf("Set(%q): %v", tc.in, err)
		}
		if n != tc.want || v.String() != tc.show {
			t.Errorf("Set(%q) = %d, %q; want %d, %q", tc.in, n, v.String(), tc.want, tc.show)
		}
	}
	var n int64
	if err := Size(&n, 0).Set("lots"); err == nil {
		t.Error("Set(lots) succeeded")
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{"0", 0, false},
		{"1048576", 1 << 20, false},
		{"500MB", 500e6, false},
		{"500 mb", 500e6, false},
		{"2GiB", 2 << 30, false},
		{"1.5G", 3 << 29, false},
		{"64k", 64 << 10, false},
		{"10TB", 10e12, false},
		{"", 0, true},
		{"MB", 0, true},
		{"-1GB", 0, true},
		{"5 parsecs", 0, true},
		{"1.2.3MB", 0, true},
		{"99999999999TB", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
