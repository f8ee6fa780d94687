package enrichments

import (
	"context"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"hash"
	"slices"
	"strings"

	"github.com/plowbox/plowbox/enrich"
	"github.com/plowbox/plowbox/enrich/event"
)

// fingerprintAlgorithms are the hashAlgorithm values of event_fingerprint_config.
var fingerprintAlgorithms = map[string]func() hash.Hash{
	"MD5": md5.New, "SHA1": sha1.New, "SHA256": sha256.New, "SHA384": sha512.New384, "SHA512": sha512.New,
}

// fingerprint is the event_fingerprint_config enrichment (enrichments.md §3.6).
type fingerprint struct {
	base
	newHash func() hash.Hash
	exclude map[string]bool
}

// fingerprintParams are the parameters of event_fingerprint_config.
type fingerprintParams struct {
	HashAlgorithm     *string   `json:"hashAlgorithm"`
	ExcludeParameters *[]string `json:"excludeParameters"`
}

// buildFingerprint checks an event_fingerprint_config config.
func buildFingerprint(_ *builder, c *config) (enrich.Enrichment, error) {
	var p fingerprintParams
	if err := c.params(&p); err != nil {
		return nil, err
	}
	if p.HashAlgorithm == nil {
		return nil, fieldErr("hashAlgorithm", "is required")
	}
	h, ok := fingerprintAlgorithms[*p.HashAlgorithm]
	if !ok {
		return nil, fieldErr("hashAlgorithm", "must be one of MD5, SHA1, SHA256, SHA384, SHA512, not %q", *p.HashAlgorithm)
	}
	if p.ExcludeParameters == nil {
		return nil, fieldErr("excludeParameters", "is required")
	}
	f := &fingerprint{base: newBase(c, 12), newHash: h, exclude: map[string]bool{}}
	for _, x := range *p.ExcludeParameters {
		f.exclude[x] = true
	}
	return f, nil
}

// Enrich implements enrich.Enrichment.
func (f *fingerprint) Enrich(_ context.Context, e *event.Event, in *enrich.Input) ([]json.RawMessage, error) {
	raw := in.RawEvent()
	if raw == nil {
		return nil, nil
	}
	e.Set(event.EventFingerprint, Fingerprint(f.newHash(), raw.Params, f.exclude))
	return nil, nil
}

// Fingerprint hashes the raw parameters as Snowplow does: the last value of each key,
// without null values and excluded keys, sorted by key, each written as key U+001F value
// U+001F; the result is lower-case hex.
func Fingerprint(h hash.Hash, params event.Params, exclude map[string]bool) string {
	last := make(map[string]*string, len(params))
	for _, p := range params {
		last[p.Name] = p.Value
	}
	keys := make([]string, 0, len(last))
	for k, v := range last {
		if v != nil && !exclude[k] {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte(0x1f)
		b.WriteString(*last[k])
		b.WriteByte(0x1f)
	}
	h.Write([]byte(b.String()))
	return hex.EncodeToString(h.Sum(nil))
}
