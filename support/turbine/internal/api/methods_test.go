package api

import (
	"io"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/server/methodtest"
)

// TestMethods: every route with every method follows RFC 9110's method
// rules (server.ApplyMethodRules), the table saying what each path allows.
// HEAD /turbine.stream answers the stream's headers and ends when the client
// closes the connection.
func TestMethods(t *testing.T) {
	log := logrus.New()
	log.SetOutput(io.Discard)
	router := newRouter(&fakeSource{}, []string{"accountservice"}, Config{Interval: 10 * time.Millisecond}, log)
	methodtest.Run(t, cors(router), router, []methodtest.Route{
		{Template: "/turbine.stream", Path: "/turbine.stream", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/health", Path: "/health", Allow: "GET, HEAD, OPTIONS"},
	})
}
