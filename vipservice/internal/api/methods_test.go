package api

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/server/methodtest"
	"github.com/goblog/common/tracing"
	"github.com/goblog/vipservice/internal/vip"
)

// TestMethods: every route with every method follows RFC 9110's method
// rules (server.ApplyMethodRules), the table saying what each path allows.
func TestMethods(t *testing.T) {
	log := logrus.New()
	log.SetOutput(io.Discard)
	tracer, err := tracing.New("vipservice", "", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tracer.Close() })
	router := NewRouter(tracer, &vip.Stats{}, &fakeBroker{}, 90*time.Second, noMetrics, log)
	methodtest.Run(t, router, router, []methodtest.Route{
		{Template: "/health", Path: "/health", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/health/live", Path: "/health/live", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/metrics", Path: "/metrics", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/vip/stats", Path: "/vip/stats", Allow: "GET, HEAD, OPTIONS"},
	})
}

// noMetrics stands for GET /metrics, served by common/metrics (tested there).
var noMetrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("# metrics\n")) })
