package expect

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client is a Source over plowbox's query API (/plowbox/api/search and /wait).
type Client struct {
	base  *url.URL
	token string // bearer token; "" for none (credentials may be in the URL)
	http  *http.Client
}

// NewClient returns a client of the plowbox at base (http://user:password@host:port
// carries credentials); token, when set, is sent as a bearer token.
func NewClient(base, token string) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(base, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url %q: want http://host:port", base)
	}
	return &Client{base: u, token: token, http: &http.Client{}}, nil
}

// UnreachableError is a plowbox that did not answer, or answered with an error.
type UnreachableError struct{ Err error }

func (e *UnreachableError) Error() string { return e.Err.Error() }
func (e *UnreachableError) Unwrap() error { return e.Err }

// get calls path with query and decodes the JSON answer into dst; ok lists the statuses
// taken as answers.
func (c *Client) get(ctx context.Context, path string, q url.Values, dst any, ok ...int) error {
	u := *c.base
	u.Path += path
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return &UnreachableError{fmt.Errorf("plowbox at %s: %w", c.base.Redacted(), err)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return &UnreachableError{fmt.Errorf("plowbox at %s: %w", c.base.Redacted(), err)}
	}
	accepted := resp.StatusCode == http.StatusOK
	for _, s := range ok {
		accepted = accepted || resp.StatusCode == s
	}
	if !accepted {
		var e struct {
			Error string `json:"error"`
		}
		msg := strings.TrimSpace(string(body))
		if json.Unmarshal(body, &e) == nil && e.Error != "" {
			msg = e.Error
		}
		return &UnreachableError{fmt.Errorf("plowbox at %s: %s %s: %s", c.base.Redacted(), path, resp.Status, msg)}
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return &UnreachableError{fmt.Errorf("plowbox at %s: %s: %w", c.base.Redacted(), path, err)}
	}
	return nil
}

// Search implements Source.
func (c *Client) Search(ctx context.Context, q string, size int) (int, []Hit, error) {
	var res struct {
		Total int   `json:"total"`
		Hits  []Hit `json:"hits"`
	}
	err := c.get(ctx, "/plowbox/api/search", url.Values{"q": {q}, "size": {strconv.Itoa(size)}}, &res)
	return res.Total, res.Hits, err
}

// Wait implements Source with the server's long-poll: /plowbox/api/wait answers as soon
// as n records match, or 408 when the timeout passes.
func (c *Client) Wait(ctx context.Context, q string, n int, timeout time.Duration) error {
	const maxWait = 5 * time.Minute // the server's cap
	timeout = min(timeout, maxWait)
	var res struct{}
	return c.get(ctx, "/plowbox/api/wait", url.Values{"q": {q}, "n": {strconv.Itoa(n)}, "timeout": {timeout.Round(time.Millisecond).String()}}, &res, http.StatusRequestTimeout)
}
