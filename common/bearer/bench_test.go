package bearer_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/bearer"
	"github.com/goblog/common/bearer/bearertest"
)

// BenchmarkMiddleware is the token check of one request with the JWKS
// cached: header, RS256 signature (2048-bit key), claims, scope rule.
func BenchmarkMiddleware(b *testing.B) {
	iss := bearertest.NewIssuer(b)
	log := logrus.New()
	log.SetLevel(logrus.WarnLevel)
	g, err := bearer.New(context.Background(), iss.Settings(), accountRules, log)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = g.Close() })
	h := g.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	req := httptest.NewRequest("GET", "/accounts/10000", nil)
	req.Header.Set("Authorization", "Bearer "+iss.Token(b, bearer.ScopeRead))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNoContent {
		b.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
