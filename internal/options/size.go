package options

import (
	"flag"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// sizeValue is an option holding a byte size such as 256MiB, or 0 for none.
type sizeValue struct{ p *int64 }

// Size returns a byte size option (256MiB, 1GiB, 0 for none) set to def.
func Size(p *int64, def int64) flag.Value {
	*p = def
	return sizeValue{p}
}

func (v sizeValue) String() string { return FormatSize(*v.p) }

func (v sizeValue) Set(s string) error {
	n, err := ParseSize(s)
	if err != nil {
		return err
	}
	*v.p = n
	return nil
}

// FormatSize renders n bytes the way ParseSize reads them back.
func FormatSize(n int64) string {
	switch {
	case n == 0:
		return "0"
	case n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	}
	return strconv.FormatInt(n, 10)
}

// SizeOrAuto is a byte size option that may also be "auto"; it is a flag.Value.
type SizeOrAuto struct {
	Auto  bool
	Bytes int64
}

// String implements flag.Value.
func (v *SizeOrAuto) String() string {
	if v.Auto {
		return "auto"
	}
	return strconv.FormatInt(v.Bytes, 10)
}

// Set implements flag.Value.
func (v *SizeOrAuto) Set(s string) error {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		*v = SizeOrAuto{Auto: true}
		return nil
	}
	n, err := ParseSize(s)
	if err != nil {
		return err
	}
	*v = SizeOrAuto{Bytes: n}
	return nil
}

// sizeUnits are the units ParseSize accepts, case-insensitively: decimal with B, binary
// with iB, and bare K/M/G/T as binary (as docker and most tools read them).
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"kb": 1e3, "mb": 1e6, "gb": 1e9, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
	"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40,
}

// ParseSize reads a byte size: a number and an optional unit, e.g. 500MB, 2GiB, 1.5G.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(t)
	}
	n, err := strconv.ParseFloat(t[:i], 64)
	unit, ok := sizeUnits[strings.ToLower(strings.TrimSpace(t[i:]))]
	if i == 0 || err != nil || !ok || n < 0 || n*unit > math.MaxInt64 {
		return 0, fmt.Errorf("want a size such as 500MB, 2GiB or 0, or auto; got %q", s)
	}
	return int64(n * unit), nil
}
