package enrichments

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// builder carries what building enrichments needs: options and asset resolution.
type builder struct {
	opts   Options
	client *http.Client
}

// newBuilder returns a builder for opts.
func newBuilder(opts Options) *builder {
	c := opts.HTTPClient
	if c == nil {
		c = &http.Client{Timeout: 60 * time.Second}
	}
	return &builder{opts: opts, client: c}
}

// asset is a `{"database": …, "uri": …}` parameter naming a data file.
type asset struct {
	Database *string `json:"database"`
	URI      *string `json:"uri"`
}

// check enforces the required database (and optionally uri) of an asset parameter.
func (a *asset) check(path string, needURI bool, allowed ...string) error {
	if a.Database == nil || *a.Database == "" {
		return fieldErr(path+".database", "is required")
	}
	if strings.ContainsAny(*a.Database, `/\`) {
		return fieldErr(path+".database", "must be a file name, not a path: %q", *a.Database)
	}
	if len(allowed) > 0 && !slices.Contains(allowed, *a.Database) {
		return fieldErr(path+".database", "must be one of %s, not %q", strings.Join(allowed, ", "), *a.Database)
	}
	if needURI && a.URI == nil {
		return fieldErr(path+".uri", "is required")
	}
	return nil
}

// resolve returns the local path of the asset `<uri>/<database>` (enrichments.md §1):
// file:// URIs and plain paths are read in place (relative paths from DataDir); http(s)
// URIs are downloaded into CacheDir once; any other scheme is looked up in CacheDir only.
func (b *builder) resolve(path string, a asset) (string, error) {
	db := *a.Database
	uri := ""
	if a.URI != nil {
		uri = strings.TrimSpace(*a.URI)
	}
	cacheDir := cmp.Or(b.opts.CacheDir, b.opts.DataDir)
	u, err := url.Parse(uri)
	if err != nil {
		return "", fieldErr(path+".uri", "is not a URI: %v", err)
	}
	var local string
	switch strings.ToLower(u.Scheme) {
	case "":
		local = filepath.Join(uri, db)
		if !filepath.IsAbs(local) {
			local = filepath.Join(b.opts.DataDir, local)
		}
	case "file":
		local = filepath.Join(filepath.FromSlash(u.Path), db)
	case "http", "https":
		local = filepath.Join(cacheDir, db)
		if _, err := os.Stat(local); err == nil {
			return local, nil
		}
		src := strings.TrimSuffix(uri, "/") + "/" + url.PathEscape(db)
		if err := b.download(src, local); err != nil {
			return "", &MissingDataError{Err: fmt.Errorf("%s: download %s: %w", path, src, err),
				Hint: fmt.Sprintf("put %s in %s, or point uri at a local directory holding it", db, cacheDir)}
		}
		return local, nil
	default:
		local = filepath.Join(cacheDir, db)
		if _, err := os.Stat(local); err != nil {
			return "", &MissingDataError{Err: fmt.Errorf("%s: %s URIs are not supported", path, u.Scheme),
				Hint: fmt.Sprintf("put %s in %s", db, cacheDir)}
		}
		return local, nil
	}
	if _, err := os.Stat(local); err != nil {
		err = fmt.Errorf("%s: database file %s: %w", path, local, err)
		if errors.Is(err, fs.ErrNotExist) {
			return "", &MissingDataError{Err: err, Hint: "put " + db + " there, or point uri at the directory holding it"}
		}
		return "", err
	}
	return local, nil
}

// MissingDataError is an asset that cannot be had: not on disk, and not downloadable
// (no network, a 404, a scheme plowbox does not fetch). The enrichment needing it
// cannot run; Load leaves it out with a warning (see LacksData) instead of failing, so
// that plowbox starts without the network, and says what to do.
type MissingDataError struct {
	Err  error  // what failed, naming the parameter and the file
	Hint string // how to give plowbox the file
}

// Error implements error.
func (e *MissingDataError) Error() string { return e.Err.Error() + "; " + e.Hint }

// Unwrap returns the cause.
func (e *MissingDataError) Unwrap() error { return e.Err }

// download fetches src into dst atomically.
func (b *builder) download(src, dst string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, src, nil)
	if err != nil {
		return err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP status %s", resp.Status)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("create cache directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".download-*")
	if err != nil {
		return fmt.Errorf("create cache file: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, resp.Body); err != nil {
		tmp.Close()
		return fmt.Errorf("read body: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
