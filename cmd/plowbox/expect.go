package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/plowbox/plowbox/internal/expect"
	"github.com/plowbox/plowbox/internal/options"
)

// exitCodeError ends plowbox with a given exit code after printing its error, if any.
type exitCodeError struct {
	code int
	err  error
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

// expectConfig is what plowbox expect can be told.
type expectConfig struct {
	url, run, junit, markdown, token string
	timeout                          time.Duration
}

func expectOptions(c *expectConfig) []options.Option {
	return []options.Option{
		{Name: "url", Usage: "plowbox to check (http://host:port, credentials as http://user:password@host:port); wins over the file's url; default http://localhost:9090", Value: options.String(&c.url, "")},
		{Name: "run", Usage: "test run every query is scoped to; wins over the file's run", Value: options.String(&c.run, "")},
		{Name: "timeout", Usage: "how long to wait for the expectations to hold; wins over the file's timeout; default 30s", Value: options.Duration(&c.timeout, 0)},
		{Name: "junit", Usage: "write a JUnit XML report to this path", Value: options.String(&c.junit, "")},
		{Name: "markdown", Usage: "write a Markdown report for a merge request to this path", Value: options.String(&c.markdown, "")},
		{Name: "token", Usage: "API token (pbx_…) sent as a bearer token", Value: options.String(&c.token, "")},
	}
}

// expectCommand is plowbox expect FILE [flags]: it evaluates the expectations of FILE
// against a running plowbox and exits 0 when all hold, 1 when any fails, 2 on a bad file
// or an unreachable server.
func expectCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "Usage: plowbox expect FILE [--url URL] [--run ID] [--timeout 30s] [--junit PATH] [--markdown PATH]")
		return options.ErrUsage
	}
	file := args[0]
	var c expectConfig
	if err := options.Parse("expect FILE", expectOptions(&c), args[1:], lookupEnv, stderr); err != nil {
		return err
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return &exitCodeError{2, fmt.Errorf("expectations: %w", err)}
	}
	doc, err := expect.Parse(b)
	if err != nil {
		return &exitCodeError{2, fmt.Errorf("%s: %w", file, err)}
	}
	url := firstOf(c.url, doc.URL, "http://localhost:9090")
	run := firstOf(c.run, doc.Run)
	timeout := c.timeout
	if timeout == 0 {
		timeout, _ = doc.TimeoutOr(expect.DefaultTimeout)
	}
	client, err := expect.NewClient(url, c.token)
	if err != nil {
		return &exitCodeError{2, err}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+30*time.Second)
	defer cancel()
	rep, err := expect.Evaluate(ctx, client, doc, run, timeout)
	if err != nil {
		return &exitCodeError{2, err}
	}
	expect.WriteText(stdout, rep)
	if c.junit != "" {
		if err := writeFile(c.junit, func(w io.Writer) error { return expect.WriteJUnit(w, rep) }); err != nil {
			return &exitCodeError{2, err}
		}
	}
	if c.markdown != "" {
		sum, err := expect.Summarize(ctx, client, run)
		if err != nil {
			return &exitCodeError{2, err}
		}
		if err := writeFile(c.markdown, func(w io.Writer) error { expect.WriteMarkdown(w, rep, sum); return nil }); err != nil {
			return &exitCodeError{2, err}
		}
	}
	if !rep.Passed {
		return &exitCodeError{code: 1}
	}
	return nil
}

func firstOf(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// writeFile writes a report with fn to path.
func writeFile(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := fn(f); err != nil {
		f.Close()
		return fmt.Errorf("write report %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write report %s: %w", path, err)
	}
	return nil
}

// exitCodeOf returns the exit code err asks for; ok is false for other errors.
func exitCodeOf(err error) (int, bool) {
	var ee *exitCodeError
	if errors.As(err, &ee) {
		return ee.code, true
	}
	return 0, false
}
