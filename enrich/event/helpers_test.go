package event

import (
	"encoding/json"
	"testing"
	"time"
)

func TestCleanTSV(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"a\tb", "a    b"},
		{"a\nb\r\x00c\x1f\x7f", "abc"},
		{"\t\n", "    "},
		{"é😀\x01", "é😀"},
	}
	for _, tt := range tests {
		if got := CleanTSV(tt.in); got != tt.want {
			t.Errorf("CleanTSV(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := string(appendCleanTSV(nil, tt.in)); got != tt.want {
			t.Errorf("appendCleanTSV(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUTF16Len(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", 0}, {"abc", 3}, {"é", 1}, {"€", 1}, {"😀", 2}, {"a😀b", 4}, {"\xff\xfe", 2},
	}
	for _, tt := range tests {
		if got := UTF16Len(tt.in); got != tt.want {
			t.Errorf("UTF16Len(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestFormatTimes(t *testing.T) {
	tests := []struct {
		t            time.Time
		iso, instant string
	}{
		{time.Date(2021, 8, 29, 12, 1, 5, 787_654_321, time.UTC), "2021-08-29T12:01:05.787Z", "2021-08-29T12:01:05.787Z"},
		{time.Date(2021, 8, 29, 12, 1, 5, 0, time.UTC), "2021-08-29T12:01:05.000Z", "2021-08-29T12:01:05Z"},
		{time.Date(2021, 8, 29, 14, 1, 5, 10_000_000, time.FixedZone("x", 7200)), "2021-08-29T12:01:05.010Z", "2021-08-29T12:01:05.010Z"},
	}
	for _, tt := range tests {
		if got := FormatISO(tt.t); got != tt.iso {
			t.Errorf("FormatISO(%v) = %q, want %q", tt.t, got, tt.iso)
		}
		if got := FormatInstant(tt.t); got != tt.instant {
			t.Errorf("FormatInstant(%v) = %q, want %q", tt.t, got, tt.instant)
		}
	}
}

func TestAppendJavaDouble(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2", "2.0"}, {"12.50", "12.5"}, {"0", "0.0"}, {"-0.0", "-0.0"}, {"1E+3", "1000.0"},
		{"0.001", "0.001"}, {"0.0001", "1.0E-4"}, {"1.5e-7", "1.5E-7"}, {"9999999", "9999999.0"},
		{"10000000", "1.0E7"}, {"-12345678.9", "-1.23456789E7"}, {"1e300", "1.0E300"},
	}
	for _, tt := range tests {
		got, ok := appendJavaDouble(nil, tt.in)
		if !ok || string(got) != tt.want {
			t.Errorf("appendJavaDouble(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{"abc", "NaN", "Inf", "1e999", ""} {
		if _, ok := appendJavaDouble(nil, bad); ok {
			t.Errorf("appendJavaDouble(%q) accepted", bad)
		}
	}
}

func TestIsJSONNumber(t *testing.T) {
	for _, s := range []string{"0", "-1", "1.5", "1e5", "1.0E-4", "-0.0931"} {
		if !isJSONNumber(s) {
			t.Errorf("isJSONNumber(%q) = false", s)
		}
	}
	for _, s := range []string{"", "-", "01", "1.", ".5", "1e", "+1", "NaN", "1 "} {
		if isJSONNumber(s) {
			t.Errorf("isJSONNumber(%q) = true", s)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{`a"b\c`, `"a\"b\\c"`},
		{"<&>", `"<&>"`},
		{"\n\r\t\b\f\x00\x1f", `"\n\r\t\b\f\u0000\u001f"`},
		{"é😀", `"é😀"`},
		{"a\xffb", "\"a\ufffdb\""},
	}
	for _, tt := range tests {
		got := AppendJSONString(nil, tt.in)
		if string(got) != tt.want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		var back string
		if err := json.Unmarshal(got, &back); err != nil {
			t.Errorf("AppendJSONString(%q) is not valid JSON: %v", tt.in, err)
		}
	}
}

func TestColumnName(t *testing.T) {
	tests := []struct{ prefix, uri, want string }{
		{"contexts", "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0", "contexts_com_snowplowanalytics_snowplow_web_page_1"},
		{"contexts", "iglu:org.w3/PerformanceTiming/jsonschema/1-0-0", "contexts_org_w3_performance_timing_1"},
		{"unstruct_event", "iglu:com.acme-corp/Add.To-Cart/jsonschema/12-1-0", "unstruct_event_com_acme_corp_add_to_cart_12"},
		{"contexts", "iglu:com.Acme/ABTest/jsonschema/2-0-0", "contexts_com_acme_abtest_2"},
		{"contexts", "iglu:com.acme/myHTTPRequest_v2Thing/jsonschema/1-0-0", "contexts_com_acme_my_httprequest_v2_thing_1"},
		{"contexts", "not-a-uri", ""},
		{"contexts", "iglu:com.acme/x/jsonschema", ""},
	}
	for _, tt := range tests {
		if got := ColumnName(tt.prefix, tt.uri); got != tt.want {
			t.Errorf("ColumnName(%q, %q) = %q, want %q", tt.prefix, tt.uri, got, tt.want)
		}
	}
}
