package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestPprofHandlerServesProfiles(t *testing.T) {
	srv := httptest.NewServer(pprofHandler())
	defer srv.Close()
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/goroutine?debug=1"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d", path, resp.StatusCode)
		}
	}
}

func TestPprofListensOnLoopbackOnly(t *testing.T) {
	if got := pprofAddr(6060); got != "127.0.0.1:6060" {
		t.Errorf("pprofAddr(6060) = %q", got)
	}
}
