package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBinaryName(t *testing.T) {
	tests := []struct {
		version string
		t       target
		want    string
	}{
		{"1.2.0", target{"linux", "amd64"}, "plowbox_1.2.0_linux_amd64"},
		{"v1.2.0", target{"darwin", "arm64"}, "plowbox_1.2.0_darwin_arm64"},
		{"1.2.0-rc.1", target{"windows", "amd64"}, "plowbox_1.2.0-rc.1_windows_amd64.exe"},
	}
	for _, tt := range tests {
		if got := binaryName(tt.version, tt.t); got != tt.want {
			t.Errorf("binaryName(%q, %v) = %q, want %q", tt.version, tt.t, got, tt.want)
		}
	}
}

func TestSelectTargets(t *testing.T) {
	if got, err := selectTargets(""); err != nil || len(got) != 6 {
		t.Errorf("all targets: %v, %v", got, err)
	}
	if got, err := selectTargets("windows/amd64, darwin/arm64"); err != nil || len(got) != 2 || got[1] != (target{"darwin", "arm64"}) {
		t.Errorf("two targets: %v, %v", got, err)
	}
	for _, bad := range []string{"plan9/amd64", "linux", "windows/386"} {
		if _, err := selectTargets(bad); err == nil {
			t.Errorf("selectTargets(%q) accepted", bad)
		}
	}
}

func TestBuildRefusesOddVersions(t *testing.T) {
	for _, v := range []string{"", "1.0 beta", "1.0;rm", "-X"} {
		if _, err := build(context.Background(), target{"linux", "amd64"}, v, t.TempDir()); err == nil {
			t.Errorf("build accepted version %q", v)
		}
	}
}

// TestCrossCompile builds the windows and darwin binaries the way a release does and
// checks their format, architecture, stamped version and checksums. A cold build cache
// makes this take minutes on two cores; it runs only with PLOWBOX_SLOW_TESTS=1.
func TestCrossCompile(t *testing.T) {
	if os.Getenv("PLOWBOX_SLOW_TESTS") != "1" {
		t.Skip("cross-compiles plowbox (minutes); set PLOWBOX_SLOW_TESTS=1")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	out := t.TempDir()
	var stdout bytes.Buffer
	if err := run(context.Background(), []string{"-version", "v9.8.7-test", "-out", out, "-targets", "windows/amd64,darwin/arm64"}, &stdout); err != nil {
		t.Fatal(err)
	}

	exe := filepath.Join(out, "plowbox_9.8.7-test_windows_amd64.exe")
	pf, err := pe.Open(exe)
	if err != nil {
		t.Fatalf("windows binary: %v", err)
	}
	if pf.Machine != pe.IMAGE_FILE_MACHINE_AMD64 {
		t.Errorf("windows machine %#x", pf.Machine)
	}
	pf.Close()
	mac := filepath.Join(out, "plowbox_9.8.7-test_darwin_arm64")
	mf, err := macho.Open(mac)
	if err != nil {
		t.Fatalf("darwin binary: %v", err)
	}
	if mf.Cpu != macho.CpuArm64 {
		t.Errorf("darwin cpu %v", mf.Cpu)
	}
	mf.Close()

	for _, f := range []string{exe, mac} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("9.8.7-test")) {
			t.Errorf("%s: version not stamped", filepath.Base(f))
		}
		if bytes.Contains(b, []byte(root)) {
			t.Errorf("%s holds the build path %s: -trimpath missing", filepath.Base(f), root)
		}
	}

	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(sums)), "\n")
	if len(lines) != 2 {
		t.Fatalf("SHA256SUMS:\n%s", sums)
	}
	for _, line := range lines {
		sum, name, ok := strings.Cut(line, "  ")
		b, err := os.ReadFile(filepath.Join(out, name))
		if !ok || err != nil {
			t.Fatalf("SHA256SUMS line %q: %v", line, err)
		}
		if h := sha256.Sum256(b); hex.EncodeToString(h[:]) != sum {
			t.Errorf("%s: checksum mismatch", name)
		}
	}
}
