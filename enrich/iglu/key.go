package iglu

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// SchemaVer is a full SchemaVer MODEL-REVISION-ADDITION, e.g. 1-0-2.
type SchemaVer struct {
	Model, Revision, Addition int
}

// String renders v as "M-R-A".
func (v SchemaVer) String() string {
	return strconv.Itoa(v.Model) + "-" + strconv.Itoa(v.Revision) + "-" + strconv.Itoa(v.Addition)
}

// ParseSchemaVer parses a full SchemaVer such as "1-0-2".
func ParseSchemaVer(s string) (SchemaVer, error) {
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return SchemaVer{}, fmt.Errorf("schema version %q: want MODEL-REVISION-ADDITION", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := parseVerPart(p)
		if err != nil {
			return SchemaVer{}, fmt.Errorf("schema version %q: %w", s, err)
		}
		n[i] = v
	}
	return SchemaVer{n[0], n[1], n[2]}, nil
}

// parseVerPart parses one SchemaVer number: ASCII digits only.
func parseVerPart(p string) (int, error) {
	if p == "" {
		return 0, errors.New("empty version number")
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return 0, fmt.Errorf("version number %q is not a non-negative integer", p)
		}
	}
	v, err := strconv.Atoi(p)
	if err != nil {
		return 0, fmt.Errorf("version number %q: %w", p, err)
	}
	return v, nil
}

// SchemaKey identifies one schema: iglu:vendor/name/format/version.
type SchemaKey struct {
	Vendor  string
	Name    string
	Format  string
	Version SchemaVer
}

// String renders k as its URI, "iglu:vendor/name/format/M-R-A".
func (k SchemaKey) String() string {
	return "iglu:" + k.Vendor + "/" + k.Name + "/" + k.Format + "/" + k.Version.String()
}

// Path is the registry-relative path of k: "vendor/name/format/M-R-A", to be placed
// under a registry's "schemas/" directory.
func (k SchemaKey) Path() string {
	return k.Vendor + "/" + k.Name + "/" + k.Format + "/" + k.Version.String()
}

// WithVersion returns k with its version replaced by v.
func (k SchemaKey) WithVersion(v SchemaVer) SchemaKey {
	k.Version = v
	return k
}

// Valid reports whether k's parts use only the characters Iglu allows and its vendor
// cannot escape a registry directory.
func (k SchemaKey) Valid() bool {
	return checkVendor(k.Vendor) == nil && validPart(k.Name, false) && validPart(k.Format, false) &&
		k.Version.Model >= 0 && k.Version.Revision >= 0 && k.Version.Addition >= 0
}

// ErrInvalidURI reports a string that is not an Iglu URI of the form
// iglu:vendor/name/format/version; NotIglu bad rows call this INVALID_IGLUURI.
var ErrInvalidURI = errors.New("invalid Iglu URI")

// ErrInvalidSchemaVer reports an Iglu URI whose version is not a SchemaVer; NotIglu bad
// rows call this INVALID_SCHEMAVER.
var ErrInvalidSchemaVer = errors.New("invalid SchemaVer")

// ParseSchemaKey parses an Iglu URI "iglu:vendor/name/format/M-R-A". It rejects parts
// outside the allowed character sets (iglu.md §1) and vendors that would escape a
// registry directory ("." or any "..").
func ParseSchemaKey(uri string) (SchemaKey, error) {
	vendor, name, format, ver, err := splitURI(uri)
	if err != nil {
		return SchemaKey{}, err
	}
	v, err := ParseSchemaVer(ver)
	if err != nil {
		return SchemaKey{}, fmt.Errorf("%w in %q: %w", ErrInvalidSchemaVer, uri, err)
	}
	return SchemaKey{Vendor: vendor, Name: name, Format: format, Version: v}, nil
}

// splitURI splits and checks the parts of an Iglu URI, leaving the version unparsed.
func splitURI(uri string) (vendor, name, format, version string, err error) {
	rest, ok := strings.CutPrefix(uri, "iglu:")
	if !ok {
		return "", "", "", "", fmt.Errorf("%w %q: must start with \"iglu:\"", ErrInvalidURI, uri)
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 4 {
		return "", "", "", "", fmt.Errorf("%w %q: want iglu:vendor/name/format/version", ErrInvalidURI, uri)
	}
	if err := checkVendor(parts[0]); err != nil {
		return "", "", "", "", fmt.Errorf("%w %q: %w", ErrInvalidURI, uri, err)
	}
	for i, what := range [...]string{1: "name", 2: "format"} {
		if i > 0 && !validPart(parts[i], false) {
			return "", "", "", "", fmt.Errorf("%w %q: %s %q must match [a-zA-Z0-9-_]+", ErrInvalidURI, uri, what, parts[i])
		}
	}
	return parts[0], parts[1], parts[2], parts[3], nil
}

// checkVendor checks a vendor against [a-zA-Z0-9-_.]+ and rejects path traversal.
func checkVendor(v string) error {
	if !validPart(v, true) {
		return fmt.Errorf("vendor %q must match [a-zA-Z0-9-_.]+", v)
	}
	if v == "." || strings.Contains(v, "..") {
		return fmt.Errorf("vendor %q must not be \".\" or contain \"..\"", v)
	}
	return nil
}

// validPart reports whether s is non-empty and made of [a-zA-Z0-9-_], plus '.' when
// dot is set.
func validPart(s string, dot bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		case c == '.' && dot:
		default:
			return false
		}
	}
	return true
}

// Criterion matches schema keys of one vendor/name/format whose version agrees with the
// given numbers; a nil number is a "*" wildcard. Wildcards run from some position to the
// end, e.g. 1-0-* or 1-*-*.
type Criterion struct {
	Vendor, Name, Format      string
	Model, Revision, Addition *int
}

// String renders c as "iglu:vendor/name/format/M-R-A" with "*" for wildcards, the form
// bad rows use.
func (c Criterion) String() string {
	part := func(p *int) string {
		if p == nil {
			return "*"
		}
		return strconv.Itoa(*p)
	}
	return "iglu:" + c.Vendor + "/" + c.Name + "/" + c.Format + "/" +
		part(c.Model) + "-" + part(c.Revision) + "-" + part(c.Addition)
}

// Matches reports whether k satisfies c.
func (c Criterion) Matches(k SchemaKey) bool {
	if k.Vendor != c.Vendor || k.Name != c.Name || k.Format != c.Format {
		return false
	}
	eq := func(p *int, v int) bool { return p == nil || *p == v }
	return eq(c.Model, k.Version.Model) && eq(c.Revision, k.Version.Revision) && eq(c.Addition, k.Version.Addition)
}

// ParseCriterion parses a criterion URI such as
// "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-*". Once a position is
// "*", every later position must be "*" too.
func ParseCriterion(uri string) (Criterion, error) {
	vendor, name, format, ver, err := splitURI(uri)
	if err != nil {
		return Criterion{}, err
	}
	parts := strings.Split(ver, "-")
	if len(parts) != 3 {
		return Criterion{}, fmt.Errorf("criterion %q: version must be M-R-A with optional * wildcards", uri)
	}
	var nums [3]*int
	wild := false
	for i, p := range parts {
		if p == "*" {
			wild = true
			continue
		}
		if wild {
			return Criterion{}, fmt.Errorf("criterion %q: a number cannot follow a * wildcard", uri)
		}
		v, err := parseVerPart(p)
		if err != nil {
			return Criterion{}, fmt.Errorf("criterion %q: %w", uri, err)
		}
		nums[i] = &v
	}
	return Criterion{Vendor: vendor, Name: name, Format: format, Model: nums[0], Revision: nums[1], Addition: nums[2]}, nil
}
