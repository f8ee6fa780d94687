package index

import (
	"reflect"
	"testing"

	"github.com/blevesearch/bleve/v2/document"
)

// TestKeywordMatchesAnalyzer checks that a keyword field indexes the terms, frequencies
// and length the plowbox_keyword analyzer gives, so that indexes written before and
// after agree and queries through the mapping find what was indexed.
func TestKeywordMatchesAnalyzer(t *testing.T) {
	im, err := newMapping()
	if err != nil {
		t.Fatal(err)
	}
	kw := im.AnalyzerNamed(analyzerKeyword)
	for _, v := range []string{
		"", "page_view", "Shop", "BLOG", "https://Shop.Example.com/Products/42?utm_source=News",
		"iglu:com.acme/user/jsonschema/1-0-0", "Größe", "ΟΔΟΣ", "ΣΑΣ x", "Ⱥb", "İstanbul", "ǅ",
		"日本語", "a\xffB", "\xc3", "MiXeD Ünïcödé ΣΑΣ",
	} {
		want := document.NewTextFieldCustom("f", nil, []byte(v), optSortable, kw)
		want.Analyze()
		got := newKeyword("f", v, optSortable)
		got.Analyze()
		if !reflect.DeepEqual(got.AnalyzedTokenFrequencies(), want.AnalyzedTokenFrequencies()) {
			t.Errorf("%q: frequencies %v, analyzer gives %v", v, got.AnalyzedTokenFrequencies(), want.AnalyzedTokenFrequencies())
		}
		if got.AnalyzedLength() != want.AnalyzedLength() || got.EncodedFieldType() != want.EncodedFieldType() || got.Options() != want.Options() {
			t.Errorf("%q: length %d type %c options %v, analyzer gives %d %c %v", v, got.AnalyzedLength(), got.EncodedFieldType(), got.Options(), want.AnalyzedLength(), want.EncodedFieldType(), want.Options())
		}
	}
}
