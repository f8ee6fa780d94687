// Package hocon reads the collector configuration that Snowplow Micro and the Snowplow
// collector read — a HOCON file (https://github.com/lightbend/config/blob/main/HOCON.md)
// with the keys of https://docs.snowplow.io/docs/api-reference/stream-collector/configure/
// under `collector { … }` or at the top level — and maps it onto plowbox's settings:
// the collector.Config and the server settings beside it. Keys plowbox has no use for
// (sinks, buffers, Akka) are ignored; unknown keys and collector features plowbox lacks
// are reported as warnings by name; a file that is not HOCON is refused with its line
// and the reason.
package hocon

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gurkankaymak/hocon"

	"github.com/plowbox/plowbox/collector"
)

// File is a parsed collector configuration.
type File struct {
	name string       // for messages
	root hocon.Object // the collector's keys
	// other holds the top-level sections beside `collector` (akka, enrich, …).
	other hocon.Object
}

// Server holds the settings of a collector configuration that belong to plowbox's
// server rather than to collector.Config. A nil field is not set by the file.
type Server struct {
	Interface      *string // collector.interface
	Port           *int    // collector.port
	SSLPort        *int    // collector.ssl.port: the HTTPS listener's port
	SSLRedirect    *bool   // collector.ssl.redirect: send plain HTTP to HTTPS
	MaxPayloadSize *int64  // networking.maxPayloadSize, or a stream's maxBytes
}

// Addr is the listen address the file gives (interface:port) merged over def, which is
// kept for the parts the file leaves out.
func (s Server) Addr(def string) string {
	host, port, err := net.SplitHostPort(def)
	if err != nil {
		host, port = def, ""
	}
	if s.Interface != nil {
		host = *s.Interface
		if host == "0.0.0.0" {
			host = "" // every interface, IPv6 too, as the JVM collector binds
		}
	}
	if s.Port != nil {
		port = strconv.Itoa(*s.Port)
	}
	return net.JoinHostPort(host, port)
}

// Load reads and parses a collector configuration file. overrides are `key=value`
// settings given beside it (Micro's -Dcollector.cookie.name=sp), which win over the file.
func Load(path string, overrides ...string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("collector config: %w", err)
	}
	return Parse(path, b, overrides...)
}

// parseErrorRe splits the library's parse error: "<what> at: <line>:<col>, <detail>".
var parseErrorRe = regexp.MustCompile(`^(.*?) at: (\d+):(\d+), ?(.*)$`)

// Parse parses a collector configuration; name names it in messages.
func Parse(name string, data []byte, overrides ...string) (*File, error) {
	text, err := blankComments(data)
	if err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	if err := checkBrackets(text); err != nil {
		return nil, fmt.Errorf("%s:%w", name, err)
	}
	conf, err := parseHOCON(name, string(text), parseTimeout, hocon.ParseString)
	if err != nil {
		return nil, err
	}
	if len(overrides) > 0 {
		var lines []string
		for _, o := range overrides {
			k, v, ok := strings.Cut(o, "=")
			if !ok || strings.TrimSpace(k) == "" {
				return nil, fmt.Errorf("collector config override %q: want key=value", o)
			}
			q, _ := json.Marshal(v)
			lines = append(lines, strings.TrimSpace(k)+" = "+string(q))
		}
		text := strings.Join(lines, "\n")
		if err := checkBrackets([]byte(text)); err != nil {
			return nil, fmt.Errorf("collector config override:%w", err)
		}
		over, err := parseHOCON("override", text, parseTimeout, hocon.ParseString)
		if err != nil {
			return nil, err
		}
		conf = over.WithFallback(conf)
	}
	root, ok := conf.GetRoot().(hocon.Object)
	if !ok {
		return nil, fmt.Errorf("%s: a collector config must be an object, not a list", name)
	}
	f := &File{name: name, root: root, other: hocon.Object{}}
	c, ok := root["collector"]
	if !ok { // the collector's keys at the top level, beside the other sections
		f.root = hocon.Object{}
		for k, v := range root {
			if otherSections[k] {
				f.other[k] = v
			} else {
				f.root[k] = v
			}
		}
	} else {
		obj, ok := c.(hocon.Object)
		if !ok {
			return nil, fmt.Errorf("%s: collector: must be an object, not %s", name, describe(c))
		}
		f.root = obj
		for k, v := range root {
			if k != "collector" {
				f.other[k] = v
			}
		}
	}
	return f, nil
}

// otherSections are the top-level sections of a Micro config beside the collector's.
var otherSections = map[string]bool{"akka": true, "pekko": true, "enrich": true}

// parseTimeout bounds the HOCON library's work on one file: collector configs take
// microseconds. The inputs the library is known to loop on are refused before it runs
// (checkBrackets); should it loop on another, plowbox's start fails instead of hanging.
const parseTimeout = 5 * time.Second

// parseHOCON parses HOCON text with parse (hocon.ParseString), turning a parse error into
// "name:line:col: reason", and gives up after timeout.
func parseHOCON(name, text string, timeout time.Duration, parse func(string) (*hocon.Config, error)) (*hocon.Config, error) {
	type result struct {
		conf *hocon.Config
		err  error
	}
	done := make(chan result, 1)
	go func() {
		defer func() { // the library panics on a few malformed inputs
			if r := recover(); r != nil {
				done <- result{err: fmt.Errorf("%s: not valid HOCON: %v", name, r)}
			}
		}()
		conf, err := parse(text)
		done <- result{conf, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-time.After(timeout):
		return nil, fmt.Errorf("%s: not valid HOCON: the parser did not finish; check the quotes and brackets", name)
	}
	conf, err := res.conf, res.err
	if err != nil {
		if m := parseErrorRe.FindStringSubmatch(err.Error()); m != nil {
			what := strings.TrimSuffix(m[1], "!")
			return nil, fmt.Errorf("%s:%s:%s: %s: %s", name, m[2], m[3], what, m[4])
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return conf, nil
}

// Apply sets what the file configures onto cfg and returns the server settings and the
// warnings (unknown keys, unsupported features), each naming its key. A value of the
// wrong type is an error naming the file and the key.
func (f *File) Apply(cfg *collector.Config) (Server, []string, error) {
	a := &applier{cfg: cfg}
	a.walk(f.root, "")
	for _, k := range sortedKeys(f.other) {
		switch {
		case k == "akka" || k == "pekko":
			// the JVM HTTP server's settings; plowbox's server has its own
		case k == "enrich":
			a.warn(k, "Enrich settings are not read by plowbox; configure enrichments with --enrichments")
		default:
			a.warn(k, "unknown key; ignored")
		}
	}
	if len(a.errs) > 0 {
		return Server{}, nil, fmt.Errorf("%s: %s", f.name, strings.Join(a.errs, "; "))
	}
	return a.srv, a.warnings, nil
}

// applier walks the collector's keys.
type applier struct {
	cfg      *collector.Config
	srv      Server
	warnings []string
	errs     []string
}

// warn records a warning about a key.
func (a *applier) warn(key, msg string) { a.warnings = append(a.warnings, key+": "+msg) }

// walk applies every key of obj, whose path is prefix.
func (a *applier) walk(obj hocon.Object, prefix string) {
	for _, k := range sortedKeys(obj) {
		v, path := obj[k], prefix+k
		if v == nil { // an optional substitution without a value: not set
			continue
		}
		if set, ok := keys[path]; ok {
			if err := set(a, v); err != nil {
				a.errs = append(a.errs, "collector."+path+": "+err.Error())
			}
			continue
		}
		sub, isObj := v.(hocon.Object)
		switch {
		case isObj && hasKeysBelow(path):
			a.walk(sub, path+".")
		case under(path, ignored):
		case unsupportedWarning(path) != "":
			a.warn("collector."+path, unsupportedWarning(path))
		case isObj:
			a.walk(sub, path+".")
		default:
			a.warn("collector."+path, "unknown key; ignored")
		}
	}
}

// sortedKeys returns an object's keys in order, for stable messages.
func sortedKeys(o hocon.Object) []string {
	ks := make([]string, 0, len(o))
	for k := range o {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
