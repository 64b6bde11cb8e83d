//go:build landscape

package integration

import (
	"fmt"
	"net/http"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

// Issue 3, integration 7: bad input to the JVM endpoints is the caller's
// error, answered 4xx, never 5xx.
func TestBadInputToTheJVMs(t *testing.T) {
	cases := []struct {
		what        string
		method, url string
		contentType string
		body        string
	}{
		{"quotes-service: strength not a number", http.MethodGet, quotesURL + "/api/quote?strength=abc", "", ""},
		{"quotes-service: strength above 20", http.MethodGet, quotesURL + "/api/quote?strength=99", "", ""},
		{"quotes-service: negative strength", http.MethodGet, quotesURL + "/api/quote?strength=-1", "", ""},
		{"edge-server: unknown route", http.MethodGet, edgeURL + "/no/such/route", "", ""},
		{"edge-server: malformed account id, passed through", http.MethodGet, edgeURL + "/api/accounts/abc", "", ""},
		{"configserver: /encrypt without a body", http.MethodPost, configServerURL + "/encrypt", "text/plain", ""},
		{"configserver: /decrypt of text that is not hex", http.MethodPost, configServerURL + "/decrypt", "text/plain", "not-a-cipher!"},
		{"configserver: /decrypt of hex shorter than salt and IV", http.MethodPost, configServerURL + "/decrypt", "text/plain", "abcd"},
		{"configserver: /decrypt without a body", http.MethodPost, configServerURL + "/decrypt", "text/plain", ""},
		{"zipkin: trace id that is not hex", http.MethodGet, zipkinURL + "/api/v2/trace/not-a-trace-id", "", ""},
	}
	Convey("Given the running JVM components", t, func() {
		for _, c := range cases {
			Convey(fmt.Sprintf("%s → 4xx (%s %s)", c.what, c.method, c.url), func() {
				var (
					r   response
					err error
				)
				if c.method == http.MethodPost {
					r, err = post(c.url, c.contentType, c.body)
				} else {
					r, err = get(c.url)
				}
				So(err, ShouldBeNil)
				So(r.Status, ShouldBeBetweenOrEqual, 400, 499)
			})
		}
	})
}
