package enrichments

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"
	"unicode/utf8"
)

// The IAB/ABC International Spiders and Bots List files (iab.go) are pipe-separated text in
// ISO-8859-1, with `#` comment lines. plowbox reads them the way Snowplow's IAB client
// does; the files themselves are commercial and never shipped with plowbox.

// iabInclude is one record of the user agent include list (include_current.txt):
// pattern|active|start-of-string|inactive date.
type iabInclude struct {
	pattern       string // lower case
	active        bool
	startOnly     bool
	inactiveAfter time.Time // zero when not set
}

// iabExclude is one record of the user agent exclude list (exclude_current.txt):
// pattern|active|exceptions|additional flag|primary impact|start-of-string|inactive date.
type iabExclude struct {
	pattern       string   // lower case
	active        bool     // an inactive record without an inactive date never matches
	exceptions    []string // lower case; a user agent containing one is not excluded
	impact        string   // PAGE_IMPRESSIONS, AD_IMPRESSIONS or PAGE_AND_AD_IMPRESSIONS
	startOnly     bool
	inactiveAfter time.Time // zero when not set
}

// iabImpacts maps the primary impact flag of an exclude record to its name.
var iabImpacts = map[string]string{"0": "PAGE_IMPRESSIONS", "1": "AD_IMPRESSIONS", "2": "PAGE_AND_AD_IMPRESSIONS"}

// iabDateLayout is the layout of the lists' inactive dates (MM/dd/yyyy).
const iabDateLayout = "01/02/2006"

// matches reports whether the lower-case user agent ua contains (or starts with) pattern.
func iabMatches(ua, pattern string, startOnly bool) bool {
	if startOnly {
		return strings.HasPrefix(ua, pattern)
	}
	return strings.Contains(ua, pattern)
}

// readIABRecords reads the records of a pipe-separated list file: comment and blank lines
// are skipped, and each field is trimmed. fn gets the 1-based line number for errors.
func readIABRecords(path string, fn func(line int, fields []string) error) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read IAB list: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := latin1(sc.Bytes())
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := splitIABLine(line)
		if err := fn(n, fields); err != nil {
			return fmt.Errorf("%s line %d: %w", path, n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return nil
}

// splitIABLine splits a record on `|`, honouring CSV-style double quotes around a field,
// and trims every field.
func splitIABLine(line string) []string {
	var fields []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quoted && c == '"' && i+1 < len(line) && line[i+1] == '"':
			cur.WriteByte('"')
			i++
		case c == '"' && (quoted || strings.TrimSpace(cur.String()) == ""):
			if !quoted {
				cur.Reset()
			}
			quoted = !quoted
		case c == '|' && !quoted:
			fields = append(fields, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(fields, strings.TrimSpace(cur.String()))
}

// latin1 decodes ISO-8859-1 bytes; valid UTF-8 is kept as it is, since an edited list
// is often saved as UTF-8.
func latin1(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// field returns fields[i], or "" when the record is shorter.
func field(fields []string, i int) string {
	if i < len(fields) {
		return fields[i]
	}
	return ""
}

// iabFlag parses a 0/1 flag; anything else is def, as upstream.
func iabFlag(s string, def bool) bool {
	switch s {
	case "0":
		return false
	case "1":
		return true
	}
	return def
}

// iabDate parses an inactive date; an absent or unreadable one is the zero time.
func iabDate(s string) time.Time {
	t, err := time.Parse(iabDateLayout, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// loadIABInclude reads include_current.txt.
func loadIABInclude(path string) ([]iabInclude, error) {
	var out []iabInclude
	err := readIABRecords(path, func(_ int, f []string) error {
		if f[0] == "" {
			return nil
		}
		out = append(out, iabInclude{pattern: strings.ToLower(f[0]), active: iabFlag(field(f, 1), false),
			startOnly: iabFlag(field(f, 2), false), inactiveAfter: iabDate(field(f, 3))})
		return nil
	})
	return out, err
}

// loadIABExclude reads exclude_current.txt. A record that can match must have a primary
// impact flag of 0, 1 or 2.
func loadIABExclude(path string) ([]iabExclude, error) {
	var out []iabExclude
	err := readIABRecords(path, func(_ int, f []string) error {
		if f[0] == "" {
			return nil
		}
		r := iabExclude{pattern: strings.ToLower(f[0]), active: iabFlag(field(f, 1), false),
			startOnly: iabFlag(field(f, 5), false), inactiveAfter: iabDate(field(f, 6))}
		if !r.active && r.inactiveAfter.IsZero() {
			return nil // never matches
		}
		impact, ok := iabImpacts[field(f, 4)]
		if !ok {
			return fmt.Errorf("primary impact flag (field 5) must be 0, 1 or 2, not %q", field(f, 4))
		}
		r.impact = impact
		for _, e := range strings.Split(strings.ToLower(field(f, 2)), ",") {
			if e = strings.TrimSpace(e); e != "" {
				r.exceptions = append(r.exceptions, e)
			}
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// iabIPs is the IP exclude list: single addresses and CIDR blocks.
type iabIPs struct {
	addrs    map[netip.Addr]bool
	prefixes []netip.Prefix
}

// loadIABIPs reads ip_exclude_current_cidr.txt: one address or CIDR block per line.
func loadIABIPs(path string) (*iabIPs, error) {
	ips := &iabIPs{addrs: map[netip.Addr]bool{}}
	err := readIABRecords(path, func(_ int, f []string) error {
		s := f[0]
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return fmt.Errorf("not a CIDR block: %q", s)
			}
			ips.prefixes = append(ips.prefixes, p.Masked())
			return nil
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return fmt.Errorf("not an IP address: %q", s)
		}
		ips.addrs[a.Unmap()] = true
		return nil
	})
	return ips, err
}

// contains reports whether a is listed.
func (l *iabIPs) contains(a netip.Addr) bool {
	a = a.Unmap()
	if l.addrs[a] {
		return true
	}
	for _, p := range l.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
