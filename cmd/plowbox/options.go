package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
)

// errUsage means the flags were wrong and the flag package has already said why.
var errUsage = errors.New("usage")

// option is one setting of a subcommand: a flag, its PLOWBOX_* environment variable and
// its help text come from this single entry, so the three can never disagree.
type option struct {
	name    string
	aliases []string // Micro-compatible short or long names, e.g. "t" for output-tsv
	usage   string
	value   flag.Value
}

// env is the option's environment variable: PLOWBOX_ and the name in upper snake case.
func (o option) env() string {
	return "PLOWBOX_" + strings.ToUpper(strings.ReplaceAll(o.name, "-", "_"))
}

// parseOptions parses args into opts: flags win over environment variables, which win
// over defaults. lookupEnv is os.LookupEnv outside tests.
func parseOptions(cmd string, opts []option, args []string, lookupEnv func(string) (string, bool), stderr io.Writer) error {
	fs := flag.NewFlagSet("plowbox "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, o := range opts {
		fs.Var(o.value, o.name, o.usage)
		for _, a := range o.aliases {
			fs.Var(o.value, a, "alias of --"+o.name)
		}
	}
	fs.Usage = func() { printUsage(stderr, cmd, opts) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage // the flag package has printed the problem and the usage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, o := range opts {
		if set[o.name] || anySet(set, o.aliases) {
			continue
		}
		if v, ok := lookupEnv(o.env()); ok {
			if err := o.value.Set(v); err != nil {
				return fmt.Errorf("%s=%q: %w", o.env(), v, err)
			}
		}
	}
	return nil
}

func anySet(set map[string]bool, names []string) bool {
	for _, n := range names {
		if set[n] {
			return true
		}
	}
	return false
}

func printUsage(w io.Writer, cmd string, opts []option) {
	fmt.Fprintf(w, "Usage: plowbox %s [flags]\n\nFlags (each also read from its environment variable):\n", cmd)
	sorted := append([]option(nil), opts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].name < sorted[j].name })
	for _, o := range sorted {
		names := "--" + o.name
		for _, a := range o.aliases {
			names += ", -" + a
		}
		def := o.value.String()
		if def != "" {
			def = " (default " + strconv.Quote(def) + ")"
		}
		fmt.Fprintf(w, "  %s  [%s]%s\n      %s\n", names, o.env(), def, o.usage)
	}
}

// Typed flag values bound to configuration fields.

type stringValue struct{ p *string }

func (v stringValue) String() string     { return *v.p }
func (v stringValue) Set(s string) error { *v.p = s; return nil }

func str(p *string, def string) flag.Value { *p = def; return stringValue{p} }

type enumValue struct {
	p       *string
	allowed []string
}

func (v enumValue) String() string { return *v.p }
func (v enumValue) Set(s string) error {
	for _, a := range v.allowed {
		if s == a {
			*v.p = s
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(v.allowed, ", "))
}

func enum(p *string, def string, allowed ...string) flag.Value {
	*p = def
	return enumValue{p, allowed}
}

type boolValue struct{ p *bool }

func (v boolValue) String() string { return strconv.FormatBool(*v.p) }
func (v boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("must be true or false")
	}
	*v.p = b
	return nil
}
func (v boolValue) IsBoolFlag() bool { return true }

func boolean(p *bool, def bool) flag.Value { *p = def; return boolValue{p} }

// constValue sets a string to a constant when its boolean flag is given (-t, -j).
type constValue struct {
	p     *string
	value string
}

func (v constValue) String() string { return "" }
func (v constValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("must be true or false")
	}
	if b {
		if *v.p != "" && *v.p != v.value {
			return fmt.Errorf("Cannot specify both --output-tsv and --output-json")
		}
		*v.p = v.value
	}
	return nil
}
func (v constValue) IsBoolFlag() bool { return true }

type intValue struct{ p *int }

func (v intValue) String() string { return strconv.Itoa(*v.p) }
func (v intValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("must be a whole number")
	}
	*v.p = n
	return nil
}

func integer(p *int, def int) flag.Value { *p = def; return intValue{p} }

type durationValue struct{ p *time.Duration }

func (v durationValue) String() string { return v.p.String() }
func (v durationValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("must be a duration such as 10s or 24h")
	}
	*v.p = d
	return nil
}

func duration(p *time.Duration, def time.Duration) flag.Value { *p = def; return durationValue{p} }

// listValue is a comma-separated list; repeating the flag appends.
type listValue struct{ p *[]string }

func (v listValue) String() string { return strings.Join(*v.p, ",") }
func (v listValue) Set(s string) error {
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*v.p = append(*v.p, part)
		}
	}
	return nil
}

func list(p *[]string) flag.Value { return listValue{p} }

// mapValue holds from=to pairs, comma-separated or repeated.
type mapValue struct{ p *map[string]string }

func (v mapValue) String() string {
	var parts []string
	for k, val := range *v.p {
		parts = append(parts, k+"="+val)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
func (v mapValue) Set(s string) error {
	if *v.p == nil {
		*v.p = map[string]string{}
	}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		from, to, ok := strings.Cut(part, "=")
		if !ok {
			return fmt.Errorf("%q: want FROM=TO", part)
		}
		(*v.p)[strings.TrimSpace(from)] = strings.TrimSpace(to)
	}
	return nil
}

func pairs(p *map[string]string) flag.Value { return mapValue{p} }
