package iglu

import "testing"

func TestECMARegexp(t *testing.T) {
	engine := ecmaRegexpEngine(discardLogger())
	tests := []struct {
		pattern string
		match   map[string]bool
		err     bool
	}{
		{`^\d{3}$`, map[string]bool{"123": true, "12a": false}, false},
		{`^\s+$`, map[string]bool{"\u00a0\ufeff \t": true, "x": false}, false},
		{`^\S+$`, map[string]bool{"ab": true, "a\u00a0b": false}, false},
		{`^[\s,]+$`, map[string]bool{"\u00a0,": true}, false},
		{`^\u0041\x42$`, map[string]bool{"AB": true}, false},
		{`^\u{1F600}$`, map[string]bool{"😀": true}, false},
		{`^a\/b$`, map[string]bool{"a/b": true}, false},
		{`^\cJ$`, map[string]bool{"\n": true}, false},
		{`^\0$`, map[string]bool{"\x00": true}, false},
		{`^[^]$`, map[string]bool{"\n": true, "": false}, false},
		{`^a[]`, map[string]bool{"a": false, "ab": false}, false},
		{`^[a-z[]+$`, map[string]bool{"a[b": true}, false},
		{`^(?<year>\d{4})-\d{2}$`, map[string]bool{"2026-04": true}, false},
		{`(?=x)`, map[string]bool{"anything": true}, false},
		{`^(a)\1$`, map[string]bool{"ab": true}, false},
		{`^(?<!a)b`, map[string]bool{"ab": true}, false},
		{`[`, nil, true},
		{`a{2,1}`, nil, true},
	}
	for _, tt := range tests {
		re, err := engine(tt.pattern)
		if tt.err {
			if err == nil {
				t.Errorf("%q: compiled, want an error", tt.pattern)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.pattern, err)
			continue
		}
		if re.String() == "" {
			t.Errorf("%q: empty String()", tt.pattern)
		}
		for s, want := range tt.match {
			if got := re.MatchString(s); got != want {
				t.Errorf("%q matches %q = %v, want %v (RE2 %q)", tt.pattern, s, got, want, ecmaToRE2(tt.pattern))
			}
		}
	}
}

func TestInvalidPatternIsSchemaIssue(t *testing.T) {
	_, _, issues := compileSchema(mustKey(t, "iglu:com.acme/x/jsonschema/1-0-0"),
		[]byte(`{"properties":{"code":{"type":"string","pattern":"["}}}`), discardLogger())
	if len(issues) != 1 || issues[0].Path != "$.properties.code.pattern" {
		t.Errorf("issues = %+v, want one at $.properties.code.pattern", issues)
	}
}
