package iglu

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// DefaultHTTPTimeout bounds one HTTP schema request when no timeout is configured.
const DefaultHTTPTimeout = 3 * time.Second

// maxSchemaSize is the largest schema document a repository returns.
const maxSchemaSize = 8 << 20

// HTTPRepository reads schemas from a static Iglu registry or an Iglu Server:
// GET {uri}/schemas/{vendor}/{name}/{format}/{version}, with an "apikey" header when
// one is configured. For an Iglu Server the uri ends in "/api".
type HTTPRepository struct {
	name     string
	priority int
	prefixes []string
	base     string
	apikey   string
	client   *http.Client
	timeout  time.Duration
}

// HTTPOptions configures an HTTPRepository.
type HTTPOptions struct {
	Name           string
	Priority       int
	VendorPrefixes []string
	URI            string // registry base, e.g. http://iglucentral.com or https://host/api
	APIKey         string // sent as the "apikey" header when not empty
	// Timeout bounds each request, connection included; 0 means DefaultHTTPTimeout.
	Timeout time.Duration
	// Client sends the requests; nil means a client of its own.
	Client *http.Client
}

// NewHTTPRepository returns an HTTP repository for o.
func NewHTTPRepository(o HTTPOptions) *HTTPRepository {
	r := &HTTPRepository{
		name: o.Name, priority: o.Priority, prefixes: o.VendorPrefixes,
		base: strings.TrimRight(o.URI, "/"), apikey: o.APIKey,
		client: o.Client, timeout: o.Timeout,
	}
	if r.client == nil {
		r.client = &http.Client{}
	}
	if r.timeout <= 0 {
		r.timeout = DefaultHTTPTimeout
	}
	return r
}

// Name implements Repository.
func (r *HTTPRepository) Name() string { return r.name }

// Priority implements Repository.
func (r *HTTPRepository) Priority() int { return r.priority }

// VendorPrefixes implements Repository.
func (r *HTTPRepository) VendorPrefixes() []string { return r.prefixes }

// Class implements Repository.
func (r *HTTPRepository) Class() Class { return ClassHTTP }

// URI returns the registry base URI, without a trailing slash.
func (r *HTTPRepository) URI() string { return r.base }

// Lookup implements Repository. A 404 is NotFound; a 5xx, a network error or a timeout
// is a RepoFailure; any other status, or a body that is not JSON, is a ClientFailure.
func (r *HTTPRepository) Lookup(ctx context.Context, key SchemaKey) ([]byte, error) {
	if !key.Valid() {
		return nil, clientFailure(nil, "invalid schema key %s", key)
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	url := r.base + "/schemas/" + key.Path()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, clientFailure(err, "build request %s: %v", url, err)
	}
	req.Header.Set("Accept", "application/json")
	if r.apikey != "" {
		req.Header.Set("apikey", r.apikey)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, repoFailure(err, "GET %s: no response within %v", url, r.timeout)
		}
		return nil, repoFailure(err, "GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxSchemaSize+1))
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, ErrNotFound
	case resp.StatusCode >= 500:
		return nil, repoFailure(nil, "GET %s: unexpected server response %d", url, resp.StatusCode)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return nil, clientFailure(nil, "GET %s: unexpected response %d", url, resp.StatusCode)
	case err != nil:
		return nil, repoFailure(err, "GET %s: read body: %v", url, err)
	case len(body) > maxSchemaSize:
		return nil, clientFailure(nil, "GET %s: schema larger than %d bytes", url, maxSchemaSize)
	case !json.Valid(body):
		return nil, clientFailure(nil, "GET %s: response is not JSON", url)
	}
	return body, nil
}

// String describes r for logs.
func (r *HTTPRepository) String() string {
	return fmt.Sprintf("http repository %q (%s)", r.name, r.base)
}
