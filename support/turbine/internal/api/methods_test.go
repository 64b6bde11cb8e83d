package api

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/server/methodtest"
)

// TestMethods: every route with every method follows RFC 9110's method
// rules (server.ApplyMethodRules), the table saying what each path allows.
// HEAD /turbine.stream answers the stream's headers and ends at once (see
// TestHeadOfStreamEnds).
func TestMethods(t *testing.T) {
	log := logrus.New()
	log.SetOutput(io.Discard)
	router := newRouter(&fakeSource{}, []string{"accountservice"}, Config{Interval: 10 * time.Millisecond}, log)
	methodtest.Run(t, cors(router), router, []methodtest.Route{
		{Template: "/turbine.stream", Path: "/turbine.stream", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/health", Path: "/health", Allow: "GET, HEAD, OPTIONS"},
	})
}

// TestHeadOfStreamEnds: a HEAD of the stream ends its response, so the
// connection serves the client's next request (here pipelined behind it).
func TestHeadOfStreamEnds(t *testing.T) {
	log := logrus.New()
	log.SetOutput(io.Discard)
	router := newRouter(&fakeSource{}, []string{"accountservice"}, Config{Interval: 10 * time.Millisecond}, log)
	srv := httptest.NewServer(cors(router))
	t.Cleanup(srv.Close)

	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "HEAD /turbine.stream HTTP/1.1\r\nHost: turbine\r\n\r\n"+
		"GET /health HTTP/1.1\r\nHost: turbine\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// A bound on the wait, not a measurement: before the fix the second
	// answer never came.
	if err := conn.SetReadDeadline(time.Now().Add(patience)); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(conn)
	head, err := http.ReadResponse(br, &http.Request{Method: http.MethodHead})
	if err != nil {
		t.Fatalf("HEAD /turbine.stream: %v", err)
	}
	if head.StatusCode != http.StatusOK || head.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("HEAD /turbine.stream: %d, Content-Type %q; want 200, text/event-stream", head.StatusCode, head.Header.Get("Content-Type"))
	}
	health, err := http.ReadResponse(br, &http.Request{Method: http.MethodGet})
	if err != nil {
		t.Fatalf("GET /health after HEAD /turbine.stream on the same connection: %v", err)
	}
	_ = health.Body.Close()
	if health.StatusCode != http.StatusOK {
		t.Fatalf("GET /health after HEAD /turbine.stream: %d, want 200", health.StatusCode)
	}
}
