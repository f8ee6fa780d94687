package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/plowbox/plowbox/internal/options"
)

// health runs plowbox health: it asks a running plowbox for /health and fails unless the
// answer is 200. It is the container image's HEALTHCHECK (the image has no curl), and it
// reads the same --addr (PLOWBOX_ADDR) as plowbox serve, so one setting serves both.
func health(ctx context.Context, args []string, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) error {
	var addr, url string
	var timeout time.Duration
	opts := []options.Option{
		{Name: "addr", Usage: "address plowbox serve listens on, as its --addr", Value: options.String(&addr, ":9090")},
		{Name: "url", Usage: "URL to check instead of http://<addr>/health", Value: options.String(&url, "")},
		{Name: "timeout", Usage: "how long to wait for the answer", Value: options.Duration(&timeout, 5*time.Second)},
	}
	if err := options.Parse("health", opts, args, lookupEnv, stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if url == "" {
		u, err := healthURL(addr)
		if err != nil {
			return err
		}
		url = u
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %s answered %s", url, resp.Status)
	}
	fmt.Fprintf(stdout, "healthy: %s\n", url)
	return nil
}

// healthURL is the /health URL of a plowbox listening on addr; a wildcard host is asked
// on loopback.
func healthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("health: --addr %q: %w", addr, err)
	}
	if a, err := netip.ParseAddr(host); host == "" || (err == nil && a.IsUnspecified()) {
		host = "127.0.0.1"
		if err == nil && a.Is6() {
			host = "::1"
		}
	}
	return "http://" + net.JoinHostPort(host, port) + "/health", nil
}
