package main

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/plowbox/plowbox/collector/hocon"
	"github.com/plowbox/plowbox/internal/options"
)

// parseServeOptions parses plowbox serve's options. A collector config given with
// --collector-config (Micro's --config, -c) sets the defaults that environment variables
// and flags then override; Micro's -Dcollector.<key>=<value> arguments override the file.
// It returns the file's warnings (unknown keys and unsupported features, by name).
func parseServeOptions(cfg *serveConfig, args []string, lookupEnv func(string) (string, bool), stderr io.Writer) ([]string, error) {
	args, overrides := splitOverrides(args)
	if err := options.Parse("serve", serveOptions(cfg), args, lookupEnv, stderr); err != nil {
		return nil, err
	}
	if cfg.collectorConfig == "" && len(overrides) == 0 {
		return nil, nil
	}
	var (
		f   *hocon.File
		err error
	)
	if cfg.collectorConfig != "" {
		f, err = hocon.Load(cfg.collectorConfig, overrides...)
	} else {
		f, err = hocon.Parse("-D arguments", nil, overrides...)
	}
	if err != nil {
		return nil, err
	}
	var fresh serveConfig
	opts := serveOptions(&fresh) // the defaults, then the file, then env and flags
	srv, warnings, err := f.Apply(&fresh.collector)
	if err != nil {
		return nil, err
	}
	fresh.addr = srv.Addr(fresh.addr)
	if srv.MaxPayloadSize != nil {
		fresh.maxPayloadSize = int(*srv.MaxPayloadSize)
	}
	if srv.SSLPort != nil {
		host, _, _ := net.SplitHostPort(fresh.addr)
		fresh.tls.SetHTTPSAddr(net.JoinHostPort(host, strconv.Itoa(*srv.SSLPort)))
	}
	if srv.SSLRedirect != nil {
		fresh.tls.SetRedirectHTTPS(*srv.SSLRedirect)
	}
	if err := options.Parse("serve", opts, args, lookupEnv, io.Discard); err != nil {
		return nil, fmt.Errorf("options over the collector config: %w", err)
	}
	*cfg = fresh
	return warnings, nil
}

// splitOverrides takes Micro's JVM-style -Dcollector.<key>=<value> arguments out of args.
func splitOverrides(args []string) (rest, overrides []string) {
	for i, a := range args {
		if a == "--" {
			return append(rest, args[i:]...), overrides
		}
		if o, ok := strings.CutPrefix(a, "-D"); ok && strings.HasPrefix(o, "collector.") {
			overrides = append(overrides, o)
			continue
		}
		rest = append(rest, a)
	}
	return rest, overrides
}
