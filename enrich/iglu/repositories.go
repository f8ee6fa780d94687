package iglu

import (
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// RepositoriesFromConfig builds the repositories of a resolver configuration. HTTP
// repositories use timeout per request (0 means DefaultHTTPTimeout) and client (nil
// means their own).
func RepositoriesFromConfig(cfg *ResolverConfig, timeout time.Duration, client *http.Client) []Repository {
	repos := make([]Repository, 0, len(cfg.Repositories))
	for _, rc := range cfg.Repositories {
		switch {
		case rc.HTTP != nil:
			repos = append(repos, NewHTTPRepository(HTTPOptions{
				Name: rc.Name, Priority: rc.Priority, VendorPrefixes: rc.VendorPrefixes,
				URI: rc.HTTP.URI, APIKey: rc.HTTP.APIKey, Timeout: timeout, Client: client,
			}))
		case rc.Embedded != nil:
			repos = append(repos, NewEmbeddedRepository(rc.Name, rc.Priority, rc.VendorPrefixes, rc.Embedded.Path))
		}
	}
	return repos
}

// CustomRegistry returns the repository that PLOWBOX_IGLU_REGISTRY_URL and
// PLOWBOX_IGLU_API_KEY add (iglu.md §4, after Micro's MICRO_IGLU_REGISTRY_URL): an
// HTTP repository named "Custom (<uri>)", priority 0, no vendor prefixes. Include
// "/api" in uri for an Iglu Server; omit it for a static registry.
func CustomRegistry(uri, apikey string, timeout time.Duration, client *http.Client) (Repository, error) {
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("iglu registry URL %q: want an absolute http(s) URL such as https://iglu.example.com/api", uri)
	}
	return NewHTTPRepository(HTTPOptions{
		Name: "Custom (" + uri + ")", URI: uri, APIKey: apikey, Timeout: timeout, Client: client,
	}), nil
}

// DefaultRepositories are plowbox's repositories when no resolver file is given:
// Iglu Central over HTTP at priority 1 (iglu.md §4).
func DefaultRepositories(timeout time.Duration, client *http.Client) []Repository {
	return []Repository{NewHTTPRepository(HTTPOptions{
		Name: "Iglu Central", Priority: 1, VendorPrefixes: []string{},
		URI: "http://iglucentral.com", Timeout: timeout, Client: client,
	})}
}
