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
	t.Run("layers wrapping a Writer share it and see the same status and size", func(t *testing.T) {
		rec := httptest.NewRecorder()
		outer := Wrap(rec)
		inner := Wrap(outer)
		if inner != outer {
			t.Fatal("Wrap of a *Writer made another one")
		}
		inner.WriteHeader(http.StatusNotFound)
		_, _ = inner.Write([]byte("gone"))
		if outer.Status() != http.StatusNotFound || outer.Bytes() != 4 || rec.Code != http.StatusNotFound || rec.Body.String() != "gone" {
			t.Errorf("outer sees %d, %d bytes; recorder %d %q", outer.Status(), outer.Bytes(), rec.Code, rec.Body.String())
		}
	})
	t.Run("the route set by one layer is read by another", func(t *testing.T) {
		outer := Wrap(httptest.NewRecorder())
		if outer.Route() != "" {
			t.Errorf("route %q before any was set", outer.Route())
		}
		Wrap(outer).SetRoute("/accounts/{id}")
		if outer.Route() != "/accounts/{id}" {
			t.Errorf("route %q, want /accounts/{id}", outer.Route())
		}
	})
	t.Run("Flush reaches the underlying writer", func(t *testing.T) {
		rec := httptest.NewRecorder()
		Wrap(rec).Flush()
		if !rec.Flushed {
			t.Error("not flushed")
		}
	})
}
