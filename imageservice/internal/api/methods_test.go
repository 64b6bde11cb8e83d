package api

import (
	"io"
	"net/http"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/server/methodtest"
	"github.com/goblog/common/tracing"
	"github.com/goblog/imageservice/internal/bundle"
	"github.com/goblog/imageservice/internal/imaging"
)

// TestMethods: every route with every method follows RFC 9110's method
// rules (server.ApplyMethodRules), the table saying what each path allows.
func TestMethods(t *testing.T) {
	log := logrus.New()
	log.SetOutput(io.Discard)
	h := New(Options{
		BaseURL:  func() string { return "http://imageservice:7777" },
		ServedBy: "10.0.0.7",
		Gallery:  bundle.NewGallery(func(b []byte) ([]byte, error) { return imaging.SepiaJPEG(b, imaging.MaxPixels) }),
		Log:      log,
	})
	tracer, err := tracing.New("imageservice", "", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tracer.Close() })
	router := NewRouter(h, tracer, noMetrics, log)
	methodtest.Run(t, router, router, []methodtest.Route{
		{Template: "/health", Path: "/health", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/metrics", Path: "/metrics", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/accounts/{id}", Path: "/accounts/10000", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/file/{name}", Path: "/file/" + DefaultImage, Allow: "GET, HEAD, OPTIONS"},
		{Template: "/image", Path: "/image", Allow: "POST, OPTIONS"},
	})
}

// noMetrics stands for GET /metrics, served by common/metrics (tested there).
var noMetrics = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("# metrics\n")) })
