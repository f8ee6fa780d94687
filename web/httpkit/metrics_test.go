package httpkit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestStatusWriter(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    int
	}{
		{"nothing written", func(http.ResponseWriter, *http.Request) {}, 200},
		{"body only", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }, 200},
		{"explicit", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(413) }, 413},
		{"first code wins", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(503); w.WriteHeader(200) }, 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sw := &statusWriter{ResponseWriter: httptest.NewRecorder()}
			tt.handler(sw, httptest.NewRequest(http.MethodGet, "/", nil))
			if got := sw.status(); got != tt.want {
				t.Errorf("status() = %d, want %d", got, tt.want)
			}
		})
	}
}
