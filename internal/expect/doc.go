// Package expect evaluates a document of expectations (queries or event specifications
// with counts, field values and verdicts) against a running plowbox, waiting on its
// long-poll until every expectation holds or the timeout passes, and renders the result
// as text, JUnit XML and Markdown.
package expect

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// DefaultTimeout bounds the wait when the document and the command line give none.
const DefaultTimeout = 30 * time.Second

// Document is an expectations file.
type Document struct {
	URL     string        `yaml:"url" json:"url"`
	Run     string        `yaml:"run" json:"run"`
	Timeout string        `yaml:"timeout" json:"timeout"`
	Expect  []Expectation `yaml:"expect" json:"expect"`
}

// Expectation is one thing that must hold.
type Expectation struct {
	Name   string         `yaml:"name" json:"name"`
	Query  string         `yaml:"query" json:"query"`
	Spec   string         `yaml:"spec" json:"spec"`
	Count  *Count         `yaml:"count" json:"count"`
	Valid  *bool          `yaml:"valid" json:"valid"`
	Fields map[string]any `yaml:"fields" json:"fields"`
}

// Count bounds how many events an expectation counts; nil fields are open. The default
// is {min: 1}.
type Count struct {
	Exactly *int `yaml:"exactly" json:"exactly"`
	Min     *int `yaml:"min" json:"min"`
	Max     *int `yaml:"max" json:"max"`
}

// Parse reads a YAML (or JSON) expectations document and checks it.
func Parse(b []byte) (*Document, error) {
	var d Document
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("expectations: %w", err)
	}
	return &d, d.Check()
}

// ParseJSON reads a JSON expectations document (POST /plowbox/api/expect) and checks it.
func ParseJSON(b []byte) (*Document, error) {
	var d Document
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("expectations: %w", err)
	}
	return &d, d.Check()
}

// Check reports the first problem of the document.
func (d *Document) Check() error {
	if _, err := d.TimeoutOr(0); err != nil {
		return err
	}
	if len(d.Expect) == 0 {
		return errors.New("expectations: expect lists nothing")
	}
	for i := range d.Expect {
		e := &d.Expect[i]
		if e.Name == "" {
			e.Name = fmt.Sprintf("expectation %d", i+1)
		}
		if e.Query == "" && e.Spec == "" {
			return fmt.Errorf("expectations: %s: give a query, a spec or both", e.Name)
		}
		if c := e.Count; c != nil {
			if c.Exactly != nil && (c.Min != nil || c.Max != nil) {
				return fmt.Errorf("expectations: %s: count: exactly excludes min and max", e.Name)
			}
			if c.Exactly == nil && c.Min == nil && c.Max == nil {
				return fmt.Errorf("expectations: %s: count: give exactly, min or max", e.Name)
			}
			if c.Min != nil && c.Max != nil && *c.Min > *c.Max {
				return fmt.Errorf("expectations: %s: count: min %d is above max %d", e.Name, *c.Min, *c.Max)
			}
		}
	}
	return nil
}

// TimeoutOr is the document's timeout, or def when it gives none.
func (d *Document) TimeoutOr(def time.Duration) (time.Duration, error) {
	if d.Timeout == "" {
		return def, nil
	}
	t, err := time.ParseDuration(d.Timeout)
	if err != nil || t < 0 {
		return 0, fmt.Errorf("expectations: timeout %q: want a duration such as 30s", d.Timeout)
	}
	return t, nil
}

// bounds returns the expectation's count bounds; max -1 is none.
func (e *Expectation) bounds() (lo, hi int) {
	c := e.Count
	switch {
	case c == nil:
		return 1, -1
	case c.Exactly != nil:
		return *c.Exactly, *c.Exactly
	}
	lo, hi = 0, -1
	if c.Min != nil {
		lo = *c.Min
	}
	if c.Max != nil {
		hi = *c.Max
	}
	return lo, hi
}

// want renders the count bounds: "exactly 2", "at least 1", "at most 0", "1 to 3".
func (e *Expectation) want() string {
	lo, hi := e.bounds()
	switch {
	case e.Count != nil && e.Count.Exactly != nil:
		return "exactly " + strconv.Itoa(lo)
	case hi < 0:
		return "at least " + strconv.Itoa(lo)
	case lo == 0:
		return "at most " + strconv.Itoa(hi)
	}
	return strconv.Itoa(lo) + " to " + strconv.Itoa(hi)
}

// query is the query string the expectation counts with, scoped to run.
func (e *Expectation) query(run string) string {
	var parts []string
	if e.Query != "" {
		parts = append(parts, "("+e.Query+")")
	}
	if e.Spec != "" {
		parts = append(parts, "spec:"+strconv.Quote(e.Spec))
	}
	if run != "" {
		parts = append(parts, "run:"+strconv.Quote(run))
	}
	return strings.Join(parts, " AND ")
}

// RunQuery is the query string of a run's records.
func RunQuery(run string) string { return "run:" + strconv.Quote(run) }
