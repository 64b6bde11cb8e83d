package main

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/health" && r.URL.Path != "/health/live" {
			http.NotFound(w, r)
			return
		}
		_, _ = io.WriteString(w, `{"status":"UP"}`)
	}))
	defer up.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"status":"DOWN","reason":"broker: not connected"}`)
	}))
	defer down.Close()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)

	closedPort := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		return portOf(t, ln.Addr().String())
	}()

	cases := []struct {
		name    string
		args    []string
		wantErr string // "" means success
	}{
		{"healthy service", []string{"-port", portOf(t, up.Listener.Addr().String())}, ""},
		{"unhealthy service", []string{"-port", portOf(t, down.Listener.Addr().String())}, "status 503: {\"status\":\"DOWN\",\"reason\":\"broker: not connected\"}"},
		{"too slow", []string{"-port", portOf(t, slow.Listener.Addr().String())}, "i/o timeout"},
		{"nothing listening", []string{"-port", closedPort}, "connection refused"},
		{"another path", []string{"-port", portOf(t, up.Listener.Addr().String()), "-path", "/health/live"}, ""},
		{"a path that is not there", []string{"-port", portOf(t, up.Listener.Addr().String()), "-path", "/nothing"}, "status 404"},
		{"a path not from the root", []string{"-port", portOf(t, up.Listener.Addr().String()), "-path", "health"}, "-path must be"},
		{"no port", nil, "-port must be"},
		{"port out of range", []string{"-port", "70000"}, "-port must be"},
		{"bad flag", []string{"-host", "x"}, "flag provided but not defined"},
	}
	for _, c := range cases {
		start := time.Now()
		err := run(c.args, io.Discard)
		if time.Since(start) > 10*time.Second {
			t.Errorf("%s: run hung", c.name)
		}
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: run = %v, want nil", c.name, err)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: run = %v, want an error containing %q", c.name, err, c.wantErr)
		}
	}
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

func TestParseAnswer(t *testing.T) {
	cases := []struct {
		name     string
		answer   string
		wantCode int
		wantBody string
		wantErr  string
	}{
		{"200 with a body", "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"status\":\"UP\"}", 200, `{"status":"UP"}`, ""},
		{"503 with a reason", "HTTP/1.1 503 Service Unavailable\r\n\r\n{\"status\":\"DOWN\"}", 503, `{"status":"DOWN"}`, ""},
		{"HTTP/1.0, no reason phrase", "HTTP/1.0 204\r\n\r\n", 204, "", ""},
		{"nothing", "", 0, "", "not an HTTP answer"},
		{"not HTTP", "SSH-2.0-OpenSSH_9.6\r\n", 0, "", "not an HTTP answer"},
		{"a status that is no number", "HTTP/1.1 2x0 OK\r\n\r\n", 0, "", "malformed status line"},
		{"a status of four digits", "HTTP/1.1 2000 OK\r\n\r\n", 0, "", "malformed status line"},
	}
	for _, c := range cases {
		code, body, err := parseAnswer([]byte(c.answer))
		switch {
		case c.wantErr == "" && (err != nil || code != c.wantCode || body != c.wantBody):
			t.Errorf("%s: parseAnswer = %d, %q, %v; want %d, %q", c.name, code, body, err, c.wantCode, c.wantBody)
		case c.wantErr != "" && (err == nil || !strings.Contains(err.Error(), c.wantErr)):
			t.Errorf("%s: parseAnswer error = %v, want one containing %q", c.name, err, c.wantErr)
		}
	}
}

func FuzzParseAnswer(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\n\r\n{}"))
	f.Add([]byte("HTTP/1.1 503\r\n\r\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, answer []byte) {
		code, body, err := parseAnswer(answer)
		if err == nil && (code < 100 || code > 999) {
			t.Errorf("parseAnswer(%q) = status %d without an error", answer, code)
		}
		if len(body) > 4096 {
			t.Errorf("parseAnswer(%q): body of %d bytes, want at most 4096", answer, len(body))
		}
	})
}
