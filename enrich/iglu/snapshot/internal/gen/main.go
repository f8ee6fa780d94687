// Command gen writes the Iglu Central snapshot that plowbox embeds, from a checkout of
// snowplow/iglu-central (or any static registry); run by go generate in
// enrich/iglu/snapshot. It also copies the registry's LICENSE beside the tarball.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/plowbox/plowbox/enrich/iglu/snapshot/internal/tarball"
)

func main() {
	src := flag.String("src", "", "static registry directory (holding schemas/ and LICENSE)")
	out := flag.String("out", "iglu-central.tar.zst", "tarball to write")
	var m tarball.Manifest
	flag.StringVar(&m.Source, "source", "snowplow/iglu-central", "repository the schemas come from")
	flag.StringVar(&m.Commit, "commit", "", "source commit")
	flag.StringVar(&m.Date, "date", "", "date of the source commit, YYYY-MM-DD")
	flag.Parse()
	if err := run(*src, *out, m); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

// run writes the snapshot of src to out and src's LICENSE beside it.
func run(src, out string, m tarball.Manifest) error {
	if src == "" || m.Commit == "" || m.Date == "" {
		return fmt.Errorf("-src, -commit and -date are required")
	}
	files, err := tarball.Files(src)
	if err != nil {
		return err
	}
	raw, err := tarball.Tar(m, files)
	if err != nil {
		return err
	}
	compressed, err := tarball.Compress(raw)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out, compressed, 0o644); err != nil {
		return err
	}
	license, err := os.ReadFile(filepath.Join(src, "LICENSE"))
	if err != nil {
		return fmt.Errorf("the snapshot must ship with its licence: %w", err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(out), "LICENSE"), license, 0o644); err != nil {
		return err
	}
	fmt.Printf("gen: %s: %d schemas, %d bytes (%d uncompressed)\n", out, len(files), len(compressed), len(raw))
	return nil
}
