package systest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

func TestBearer(t *testing.T) {
	Convey("Given an edge whose token endpoint grants client credentials and whose API echoes Authorization", t, func() {
		var grants atomic.Int32
		mux := http.NewServeMux()
		mux.HandleFunc("POST /oauth2/token", func(w http.ResponseWriter, r *http.Request) {
			id, secret, ok := r.BasicAuth()
			if !ok || id != "goblog-machine" || secret != "s3cret" || r.FormValue("grant_type") != "client_credentials" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			grants.Add(1)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"tok-` + r.FormValue("scope") + `","token_type":"Bearer","expires_in":300}`))
		})
		mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(r.Header.Get("Authorization")))
		})
		edge := httptest.NewServer(mux)
		defer edge.Close()
		tokens := EdgeTokens(context.Background(), http.DefaultTransport, edge.URL, "goblog-machine", "s3cret", "account:read", "account:write")
		client := &http.Client{Transport: Bearer(http.DefaultTransport, tokens, edge.Listener.Addr().String())}

		get := func(header string) string {
			req, err := http.NewRequest(http.MethodGet, edge.URL+"/api/accounts/10000", nil)
			So(err, ShouldBeNil)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			resp, err := client.Do(req)
			So(err, ShouldBeNil)
			defer resp.Body.Close()
			return string(must(readAll(resp)))
		}

		Convey("requests to the edge carry the granted token, fetched once for many requests", func() {
			So(get(""), ShouldEqual, "Bearer tok-account:read account:write")
			So(get(""), ShouldEqual, "Bearer tok-account:read account:write")
			So(grants.Load(), ShouldEqual, 1)
		})

		Convey("a request with its own Authorization keeps it", func() {
			So(get("Bearer garbage"), ShouldEqual, "Bearer garbage")
		})

		Convey("requests to another host carry no token", func() {
			other := httptest.NewServer(mux)
			defer other.Close()
			resp, err := client.Get(other.URL + "/api/x")
			So(err, ShouldBeNil)
			defer resp.Body.Close()
			So(string(must(readAll(resp))), ShouldEqual, "")
		})
	})
}

func readAll(resp *http.Response) ([]byte, error) {
	return io.ReadAll(resp.Body)
}

func must(b []byte, err error) []byte {
	So(err, ShouldBeNil)
	return b
}
