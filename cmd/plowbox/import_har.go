package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/plowbox/plowbox/internal/options"
)

// importConfig is what plowbox import har can be told.
type importConfig struct {
	url, run, token string
}

func importOptions(c *importConfig) []options.Option {
	return []options.Option{
		{Name: "url", Usage: "plowbox to import into (http://host:port, credentials as http://user:password@host:port)", Value: options.String(&c.url, "http://localhost:9090")},
		{Name: "run", Usage: "test run the imported events belong to", Value: options.String(&c.run, "")},
		{Name: "token", Usage: "API token (pbx_…) sent as a bearer token", Value: options.String(&c.token, "")},
	}
}

// importCommand is plowbox import har FILE [flags]: it sends every Snowplow request of a
// browser HAR capture through a running plowbox's collector, as it was sent and with its
// original time as the collector timestamp.
func importCommand(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	if len(args) < 2 || args[0] != "har" || strings.HasPrefix(args[1], "-") {
		fmt.Fprintln(stderr, "Usage: plowbox import har FILE [--url URL] [--run ID]")
		return options.ErrUsage
	}
	file := args[1]
	var c importConfig
	if err := options.Parse("import har FILE", importOptions(&c), args[2:], lookupEnv, stderr); err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	u, err := url.Parse(strings.TrimRight(c.url, "/") + "/plowbox/api/import/har")
	if err != nil {
		return fmt.Errorf("import: url %q: %w", c.url, err)
	}
	if c.run != "" {
		u.RawQuery = url.Values{"run": {c.run}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), f)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("import: plowbox at %s: %w", u.Redacted(), err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("import: %s: %s", resp.Status, strings.TrimSpace(string(body)))
	}
	var out struct {
		Imported, Skipped int
		Requests          []struct {
			Method, URL, Time string
			Status            int
		}
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	for _, r := range out.Requests {
		fmt.Fprintf(stdout, "%d  %s %s %s\n", r.Status, r.Time, r.Method, r.URL)
	}
	fmt.Fprintf(stdout, "imported %d Snowplow requests from %s (%d other requests skipped)\n", out.Imported, file, out.Skipped)
	return nil
}
