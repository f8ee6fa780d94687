package iglu

import (
	"errors"
	"testing"
)

func TestParseSchemaKey(t *testing.T) {
	tests := []struct {
		uri     string
		want    SchemaKey
		wantErr error
	}{
		{"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1", SchemaKey{"com.snowplowanalytics.snowplow", "link_click", "jsonschema", SchemaVer{1, 0, 1}}, nil},
		{"iglu:com.acme-inc_x/my-event_2/jsonschema/12-3-40", SchemaKey{"com.acme-inc_x", "my-event_2", "jsonschema", SchemaVer{12, 3, 40}}, nil},
		{"iglu:com.snowplowanalytics.snowplow/CollectorPayload/thrift/1-0-0", SchemaKey{"com.snowplowanalytics.snowplow", "CollectorPayload", "thrift", SchemaVer{1, 0, 0}}, nil},
		{"com.acme/x/jsonschema/1-0-0", SchemaKey{}, ErrInvalidURI},
		{"iglu:com.acme/x/jsonschema", SchemaKey{}, ErrInvalidURI},
		{"iglu:com.acme/x/y/jsonschema/1-0-0", SchemaKey{}, ErrInvalidURI},
		{"iglu:../x/jsonschema/1-0-0", SchemaKey{}, ErrInvalidURI},
		{"iglu:com..acme/x/jsonschema/1-0-0", SchemaKey{}, ErrInvalidURI},
		{"iglu:./x/jsonschema/1-0-0", SchemaKey{}, ErrInvalidURI},
		{"iglu:com.acme/x.y/jsonschema/1-0-0", SchemaKey{}, ErrInvalidURI},
		{"iglu:com.acme//jsonschema/1-0-0", SchemaKey{}, ErrInvalidURI},
		{"iglu:com acme/x/jsonschema/1-0-0", SchemaKey{}, ErrInvalidURI},
		{"iglu:com.acme/x/jsonschema/1-0", SchemaKey{}, ErrInvalidSchemaVer},
		{"iglu:com.acme/x/jsonschema/1-0-*", SchemaKey{}, ErrInvalidSchemaVer},
		{"iglu:com.acme/x/jsonschema/1-0-+1", SchemaKey{}, ErrInvalidSchemaVer},
		{"iglu:com.acme/x/jsonschema/1-0-99999999999999999999", SchemaKey{}, ErrInvalidSchemaVer},
	}
	for _, tt := range tests {
		got, err := ParseSchemaKey(tt.uri)
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("ParseSchemaKey(%q) error = %v, want %v", tt.uri, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSchemaKey(%q) = %+v, %v; want %+v", tt.uri, got, err, tt.want)
		}
		if got.String() != tt.uri {
			t.Errorf("String() = %q, want %q", got.String(), tt.uri)
		}
		if !got.Valid() {
			t.Errorf("%q: Valid() = false", tt.uri)
		}
	}
}

func TestCriterion(t *testing.T) {
	tests := []struct {
		uri     string
		ok      bool
		matches map[string]bool
	}{
		{"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-*", true, map[string]bool{
			"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0":       true,
			"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1":       true,
			"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-1-0":       false,
			"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0": false,
		}},
		{"iglu:com.acme/x/jsonschema/1-*-*", true, map[string]bool{
			"iglu:com.acme/x/jsonschema/1-5-2": true,
			"iglu:com.acme/x/jsonschema/2-0-0": false,
		}},
		{"iglu:com.acme/x/jsonschema/*-*-*", true, map[string]bool{"iglu:com.acme/x/jsonschema/9-9-9": true}},
		{"iglu:com.acme/x/jsonschema/1-0-0", true, map[string]bool{"iglu:com.acme/x/jsonschema/1-0-0": true, "iglu:com.acme/x/jsonschema/1-0-1": false}},
		{"iglu:com.acme/x/jsonschema/1-*-0", false, nil},
		{"iglu:com.acme/x/jsonschema/1-0", false, nil},
		{"iglu:../x/jsonschema/1-0-*", false, nil},
	}
	for _, tt := range tests {
		c, err := ParseCriterion(tt.uri)
		if (err == nil) != tt.ok {
			t.Errorf("ParseCriterion(%q) error = %v, want ok=%v", tt.uri, err, tt.ok)
			continue
		}
		if !tt.ok {
			continue
		}
		if c.String() != tt.uri {
			t.Errorf("String() = %q, want %q", c.String(), tt.uri)
		}
		for uri, want := range tt.matches {
			if got := c.Matches(mustKey(t, uri)); got != want {
				t.Errorf("%s matches %s = %v, want %v", tt.uri, uri, got, want)
			}
		}
	}
}
