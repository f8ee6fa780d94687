// Package options is the option framework of plowbox's subcommands: one table of
// options feeds the command-line flags, the PLOWBOX_* environment variables and the
// --help text, so a new option is one line and the three can never disagree.
package options

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

// ErrUsage means the flags were wrong and the flag package has already said why.
var ErrUsage = errors.New("usage")

// Option is one setting of a subcommand: a flag, its PLOWBOX_* environment variable and
// its help text come from this single entry, so the three can never disagree.
type Option struct {
	Name    string
	Aliases []string // Micro-compatible short or long names, e.g. "t" for output-tsv
	Usage   string
	Value   flag.Value
}

// Env is the option's environment variable: PLOWBOX_ and the name in upper snake case.
func (o Option) Env() string {
	return "PLOWBOX_" + strings.ToUpper(strings.ReplaceAll(o.Name, "-", "_"))
}

// Parse parses the arguments of plowbox cmd into opts: flags win over environment
// variables, which win over defaults. lookupEnv is os.LookupEnv outside tests. It
// returns flag.ErrHelp for --help (after printing the usage) and ErrUsage for bad flags.
func Parse(cmd string, opts []Option, args []string, lookupEnv func(string) (string, bool), stderr io.Writer) error {
	fs := flag.NewFlagSet("plowbox "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, o := range opts {
		fs.Var(o.Value, o.Name, o.Usage)
		for _, a := range o.Aliases {
			fs.Var(o.Value, a, "alias of --"+o.Name)
		}
	}
	fs.Usage = func() { PrintUsage(stderr, cmd, opts) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return ErrUsage // the flag package has printed the problem and the usage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, o := range opts {
		if set[o.Name] || anySet(set, o.Aliases) {
			continue
		}
		if v, ok := lookupEnv(o.Env()); ok {
			if err := o.Value.Set(v); err != nil {
				return fmt.Errorf("%s=%q: %w", o.Env(), v, err)
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

// PrintUsage writes the help text of plowbox cmd: every option with its variable and default.
func PrintUsage(w io.Writer, cmd string, opts []Option) {
	fmt.Fprintf(w, "Usage: plowbox %s [flags]\n\nFlags (each also read from its environment variable):\n", cmd)
	sorted := append([]Option(nil), opts...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	for _, o := range sorted {
		names := "--" + o.Name
		for _, a := range o.Aliases {
			names += ", -" + a
		}
		def := o.Value.String()
		if def != "" {
			def = " (default " + strconv.Quote(def) + ")"
		}
		fmt.Fprintf(w, "  %s  [%s]%s\n      %s\n", names, o.Env(), def, o.Usage)
	}
}

// Typed flag values bound to configuration fields.

type stringValue struct{ p *string }

func (v stringValue) String() string     { return *v.p }
func (v stringValue) Set(s string) error { *v.p = s; return nil }

// String returns a string option set to def.
func String(p *string, def string) flag.Value { *p = def; return stringValue{p} }

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

// Enum returns a string option set to def that accepts only the allowed values.
func Enum(p *string, def string, allowed ...string) flag.Value {
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

// Bool returns a boolean option set to def.
func Bool(p *bool, def bool) flag.Value { *p = def; return boolValue{p} }

// Const returns a boolean flag that sets *p to value when given (Micro's -t and -j);
// giving two such flags of different values for one string is an error.
func Const(p *string, value string) flag.Value { return constValue{p, value} }

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

// Int returns a whole-number option set to def.
func Int(p *int, def int) flag.Value { *p = def; return intValue{p} }

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

// Duration returns a duration option (10s, 24h) set to def.
func Duration(p *time.Duration, def time.Duration) flag.Value { *p = def; return durationValue{p} }

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

// List returns a comma-separated list option; repeating the flag appends.
func List(p *[]string) flag.Value { return listValue{p} }

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

// Pairs returns an option of FROM=TO pairs, comma-separated or repeated.
func Pairs(p *map[string]string) flag.Value { return mapValue{p} }

// Int64 returns a whole-number option bound to *p, whose current value is its default.
func Int64(p *int64) flag.Value { return int64Value{p} }

type int64Value struct{ p *int64 }

func (v int64Value) String() string { return strconv.FormatInt(*v.p, 10) }
func (v int64Value) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return fmt.Errorf("must be a whole number")
	}
	*v.p = n
	return nil
}
