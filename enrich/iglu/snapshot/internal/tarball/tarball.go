// Package tarball writes and reads the Iglu Central snapshot that plowbox embeds: a
// zstd-compressed tar of a static Iglu registry's schemas/ tree, led by a manifest
// entry naming where the schemas came from.
package tarball

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// ManifestName is the tar entry holding the Manifest, always the first entry.
const ManifestName = "SNAPSHOT.json"

// Manifest says what a snapshot holds.
type Manifest struct {
	// Source is the repository the schemas come from, e.g. "snowplow/iglu-central".
	Source string `json:"source"`
	// Commit is the source commit the snapshot was taken at.
	Commit string `json:"commit"`
	// Date is the date of that commit, YYYY-MM-DD.
	Date string `json:"date"`
	// Schemas is the number of schema files in the snapshot.
	Schemas int `json:"schemas"`
}

// Files reads the schema files of the static registry at dir: every regular file
// under dir/schemas, keyed by its slash-separated path relative to dir
// ("schemas/<vendor>/<name>/<format>/<version>").
func Files(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	root := filepath.Join(dir, "schemas")
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		body, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if !json.Valid(body) {
			return fmt.Errorf("%s is not JSON", p)
		}
		files[filepath.ToSlash(rel)] = body
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read registry %s: %w", dir, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("read registry %s: no schemas under %s", dir, root)
	}
	return files, nil
}

// Tar returns the uncompressed tar of m and files: the manifest first, then the files
// in path order, with fixed modes and times, so the same input always gives the same
// bytes. m.Schemas is set to the number of files.
func Tar(m Manifest, files map[string][]byte) ([]byte, error) {
	m.Schemas = len(files)
	manifest, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	write := func(name string, body []byte) error {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("tar %s: %w", name, err)
		}
		_, err := tw.Write(body)
		return err
	}
	if err := write(ManifestName, append(manifest, '\n')); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if err := write(name, files[name]); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Compress returns tarball compressed with zstd at its best level.
func Compress(tarball []byte) ([]byte, error) {
	enc, err := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	return enc.EncodeAll(tarball, nil), nil
}

// Read decompresses and unpacks a snapshot: its manifest and its schema files keyed
// by path ("schemas/…").
func Read(compressed []byte) (Manifest, map[string][]byte, error) {
	var m Manifest
	dec, err := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1))
	if err != nil {
		return m, nil, err
	}
	defer dec.Close()
	raw, err := dec.DecodeAll(compressed, nil)
	if err != nil {
		return m, nil, fmt.Errorf("decompress snapshot: %w", err)
	}
	files := map[string][]byte{}
	tr := tar.NewReader(bytes.NewReader(raw))
	for first := true; ; first = false {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, nil, fmt.Errorf("read snapshot: %w", err)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			return m, nil, fmt.Errorf("read snapshot entry %s: %w", hdr.Name, err)
		}
		switch {
		case first && hdr.Name == ManifestName:
			if err := json.Unmarshal(body, &m); err != nil {
				return m, nil, fmt.Errorf("read snapshot manifest: %w", err)
			}
		case first:
			return m, nil, fmt.Errorf("read snapshot: first entry is %s, want %s", hdr.Name, ManifestName)
		case strings.HasPrefix(hdr.Name, "schemas/") && path.Clean(hdr.Name) == hdr.Name:
			files[hdr.Name] = body
		default:
			return m, nil, fmt.Errorf("read snapshot: unexpected entry %s", hdr.Name)
		}
	}
	if len(files) != m.Schemas {
		return m, nil, fmt.Errorf("read snapshot: %d schemas, the manifest says %d", len(files), m.Schemas)
	}
	return m, files, nil
}
