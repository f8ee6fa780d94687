package index

import (
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	bindex "github.com/blevesearch/bleve_index_api"
)

// keywordField is a keyword value indexed as its one lower-cased term, built without
// running the plowbox_keyword analyzer (single tokenizer, lower-case filter), which
// allocated a token stream for each of the dozens of keywords of an event. The term is
// the one the analyzer gives, so the index and the queries through the mapping's
// analyzer see the same terms. Keywords carry no term vectors.
type keywordField struct {
	name  string
	term  []byte
	opts  bindex.FieldIndexingOptions
	freqs bindex.TokenFrequencies
}

// newKeyword returns v as a keyword field.
func newKeyword(name, v string, opts bindex.FieldIndexingOptions) *keywordField {
	return &keywordField{name: name, term: lowerTerm(v), opts: opts}
}

// lowerFilter is the plowbox_keyword analyzer's lower-case filter; it keeps no state.
var lowerFilter = lowercase.NewLowerCaseFilter()

// lowerTerm returns v lower-cased as the plowbox_keyword analyzer lower-cases it: ASCII
// directly, anything else through bleve's lower-case filter.
func lowerTerm(v string) []byte {
	term := []byte(v)
	for i, c := range term {
		if c >= utf8.RuneSelf {
			return lowerFilter.Filter(analysis.TokenStream{{Term: term}})[0].Term
		}
		if 'A' <= c && c <= 'Z' {
			term[i] = c + 'a' - 'A'
		}
	}
	return term
}

func (f *keywordField) Name() string                                      { return f.name }
func (f *keywordField) ArrayPositions() []uint64                          { return nil }
func (f *keywordField) Options() bindex.FieldIndexingOptions              { return f.opts }
func (f *keywordField) Value() []byte                                     { return f.term }
func (f *keywordField) NumPlainTextBytes() uint64                         { return uint64(len(f.term)) }
func (f *keywordField) Size() int                                         { return 96 + len(f.name) + 2*len(f.term) }
func (f *keywordField) EncodedFieldType() byte                            { return 't' }
func (f *keywordField) AnalyzedLength() int                               { return 1 }
func (f *keywordField) AnalyzedTokenFrequencies() bindex.TokenFrequencies { return f.freqs }

// Analyze produces the one term, as analysis.TokenFrequency does for a single token.
func (f *keywordField) Analyze() {
	tf := &bindex.TokenFreq{Term: f.term}
	if !f.opts.SkipFreqNorm() {
		tf.SetFrequency(1)
	}
	f.freqs = bindex.TokenFrequencies{string(f.term): tf}
}
