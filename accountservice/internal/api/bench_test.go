package api_test

import (
	"net/http"
	"testing"
)

// BenchmarkGetAccountHandler measures GET /accounts/{id} through the whole
// in-process stack: router, tracing middleware, service, memstore, and both
// downstream calls over real circuits and HTTP to httptest servers.
func BenchmarkGetAccountHandler(b *testing.B) {
	f := newFixture(b)
	b.ReportAllocs()
	for b.Loop() {
		if rec := f.do("GET", "/accounts/10001", nil); rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkGetAccountHandlerAccessLog is BenchmarkGetAccountHandler with
// access_log on, as on Swarm: each request's line written as JSON (to
// io.Discard) by the services' logger.
func BenchmarkGetAccountHandlerAccessLog(b *testing.B) {
	f := newFixture(b, withAccessLog())
	b.ReportAllocs()
	for b.Loop() {
		if rec := f.do("GET", "/accounts/10001", nil); rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
