package downstream_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/downstream"
	"github.com/goblog/common/bearer"
)

func TestRelayToken(t *testing.T) {
	Convey("Given a downstream service that records the Authorization header", t, func() {
		seen := make(chan string, 1)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen <- r.Header.Get("Authorization")
		}))
		defer srv.Close()
		client := &http.Client{Transport: downstream.RelayToken(nil)}
		get := func(ctx context.Context, header string) string {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			So(err, ShouldBeNil)
			if header != "" {
				req.Header.Set("Authorization", header)
			}
			resp, err := client.Do(req)
			So(err, ShouldBeNil)
			_ = resp.Body.Close()
			So(req.Header.Get("Authorization"), ShouldEqual, header) // the caller's request is untouched
			return <-seen
		}
		checked := bearer.WithToken(context.Background(), bearer.Token{Raw: "aaa.bbb.ccc"})

		Convey("a call on behalf of a request with a checked token carries it", func() {
			So(get(checked, ""), ShouldEqual, "Bearer aaa.bbb.ccc")
		})
		Convey("a call without a checked token carries none", func() {
			So(get(context.Background(), ""), ShouldEqual, "")
		})
		Convey("a call with an Authorization header of its own keeps it", func() {
			So(get(checked, "Basic dXNlcjpwYXNz"), ShouldEqual, "Basic dXNlcjpwYXNz")
		})
	})
}
