// Command release builds plowbox's release binaries: static (CGO_ENABLED=0), trimmed
// builds for linux, darwin and windows on amd64 and arm64, named
// plowbox_<version>_<os>_<arch>[.exe], with their SHA256SUMS. Run it from the module root:
//
//	go run ./internal/release -version 1.2.0 -out dist
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// target is one GOOS/GOARCH pair.
type target struct{ os, arch string }

// targets are the platforms plowbox is released for.
var targets = []target{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

// mainPackage is the package the binaries are built from, relative to the module root.
const mainPackage = "./cmd/plowbox"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("release", flag.ContinueOnError)
	version := fs.String("version", "", "version to stamp (default: git describe --tags --always --dirty)")
	out := fs.String("out", "dist", "output directory")
	only := fs.String("targets", "", "comma-separated os/arch pairs to build (default: all six)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *version == "" {
		v, err := gitVersion(ctx)
		if err != nil {
			return err
		}
		*version = v
	}
	list, err := selectTargets(*only)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", *out, err)
	}
	var names []string
	for _, t := range list {
		name, err := build(ctx, t, *version, *out)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, filepath.Join(*out, name))
		names = append(names, name)
	}
	if err := writeSums(*out, names); err != nil {
		return err
	}
	fmt.Fprintln(stdout, filepath.Join(*out, "SHA256SUMS"))
	return nil
}

// versionPattern keeps the version usable in a file name and in -ldflags.
var versionPattern = regexp.MustCompile(`^v?[0-9A-Za-z][0-9A-Za-z.+_-]*$`)

// binaryName is the released file name of plowbox for t.
func binaryName(version string, t target) string {
	name := fmt.Sprintf("plowbox_%s_%s_%s", strings.TrimPrefix(version, "v"), t.os, t.arch)
	if t.os == "windows" {
		name += ".exe"
	}
	return name
}

// ldflags stamps the version into main.version and strips symbol tables.
func ldflags(version string) string {
	return "-s -w -X main.version=" + strings.TrimPrefix(version, "v")
}

// build cross-compiles plowbox for t into dir and returns the file name.
func build(ctx context.Context, t target, version, dir string) (string, error) {
	if !versionPattern.MatchString(version) {
		return "", fmt.Errorf("version %q: use letters, digits and .+_- only", version)
	}
	name := binaryName(version, t)
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", ldflags(version), "-o", filepath.Join(dir, name), mainPackage)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+t.os, "GOARCH="+t.arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s/%s: %w\n%s", t.os, t.arch, err, b)
	}
	return name, nil
}

// writeSums writes SHA256SUMS for the named files of dir, in sha256sum's format.
func writeSums(dir string, names []string) error {
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			return fmt.Errorf("checksum: %w", err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("checksum %s: %w", name, err)
		}
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(h.Sum(nil)), name)
	}
	if err := os.WriteFile(filepath.Join(dir, "SHA256SUMS"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write SHA256SUMS: %w", err)
	}
	return nil
}

// selectTargets parses -targets; empty means every target.
func selectTargets(s string) ([]target, error) {
	if s == "" {
		return targets, nil
	}
	var out []target
	for _, part := range strings.Split(s, ",") {
		goos, goarch, _ := strings.Cut(strings.TrimSpace(part), "/")
		found := false
		for _, t := range targets {
			if t.os == goos && t.arch == goarch {
				out = append(out, t)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("-targets: %q is not one of the released platforms (linux, darwin, windows × amd64, arm64)", part)
		}
	}
	return out, nil
}

// gitVersion describes the checkout: the nearest tag, commits since, and -dirty.
func gitVersion(ctx context.Context) (string, error) {
	b, err := exec.CommandContext(ctx, "git", "describe", "--tags", "--always", "--dirty").Output()
	if err != nil {
		return "", fmt.Errorf("no -version given and git describe failed: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
