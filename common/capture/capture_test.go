package capture

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWriter(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		status  int
		bytes   int
		wrote   bool
	}{
		{"nothing written", func(http.ResponseWriter, *http.Request) {}, http.StatusOK, 0, false},
		{"body only", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) }, http.StatusOK, 5, true},
		{"status then body", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte("gone"))
		}, http.StatusNotFound, 4, true},
		{"the first status counts", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusServiceUnavailable)
			w.WriteHeader(http.StatusOK)
		}, http.StatusServiceUnavailable, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			w := Wrap(rec)
			tc.handler(w, httptest.NewRequest(http.MethodGet, "/", nil))
			if w.Status() != tc.status || w.Bytes() != tc.bytes || w.Wrote() != tc.wrote {
				t.Errorf("status %d, bytes %d, wrote %v; want %d, %d, %v", w.Status(), w.Bytes(), w.Wrote(), tc.status, tc.bytes, tc.wrote)
			}
		})
	}
	t.Run("Flush reaches the underlying writer", func(t *testing.T) {
		rec := httptest.NewRecorder()
		Wrap(rec).Flush()
		if !rec.Flushed {
			t.Error("not flushed")
		}
	})
}
