package iglu_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/plowbox/plowbox/enrich/iglu"
	"github.com/plowbox/plowbox/store"
)

// A failing HTTP repository answers with the kept copy; a NotFound is never overridden.
func TestKeptFallback(t *testing.T) {
	st, err := store.Open(t.TempDir(), store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := iglu.ParseSchemaKey("iglu:com.acme/x/jsonschema/1-0-0")
	if err := st.KeepResolved(key.Path(), []byte(`{"kept":true}`)); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		answer  error
		want    string
		wantErr error
	}{
		{name: "failure uses the copy", answer: errors.New("connection refused"), want: `{"kept":true}`},
		{name: "not found stays not found", answer: iglu.ErrNotFound, wantErr: iglu.ErrNotFound},
		{name: "found is the repository's", want: `{"fresh":true}`},
	} {
		inner := &iglu.FuncRepository{RepoName: "remote", RepoClass: iglu.ClassHTTP, Func: func(context.Context, iglu.SchemaKey) ([]byte, error) {
			if tc.answer != nil {
				return nil, tc.answer
			}
			return []byte(`{"fresh":true}`), nil
		}}
		repo := iglu.WithKeptCopies(inner, st, slog.New(slog.DiscardHandler))
		body, err := repo.Lookup(t.Context(), key)
		if string(body) != tc.want || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
			t.Errorf("%s: %s, %v", tc.name, body, err)
		}
	}
	other, _ := iglu.ParseSchemaKey("iglu:com.acme/y/jsonschema/1-0-0")
	failing := iglu.WithKeptCopies(&iglu.FuncRepository{RepoClass: iglu.ClassHTTP, Func: func(context.Context, iglu.SchemaKey) ([]byte, error) {
		return nil, errors.New("down")
	}}, st, slog.New(slog.DiscardHandler))
	if _, err := failing.Lookup(t.Context(), other); err == nil || err.Error() != "down" {
		t.Errorf("no kept copy: err = %v, want the repository's", err)
	}
}
