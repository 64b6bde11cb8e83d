package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/goblog/common/metrics"
)

// BenchmarkInstrument: what measuring costs a request, against the bare
// router (go test -bench Instrument -benchmem ./metrics/).
func BenchmarkInstrument(b *testing.B) {
	newRouter := func() *mux.Router {
		r := mux.NewRouter()
		r.HandleFunc("/accounts/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) }).Methods(http.MethodGet)
		return r
	}
	for _, bc := range []struct {
		name    string
		handler http.Handler
	}{
		{"bare", newRouter()},
		{"measured", metrics.NewHTTP(prometheus.NewRegistry()).Instrument(newRouter())},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/accounts/10000", nil)
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				bc.handler.ServeHTTP(w, req)
			}
		})
	}
}
