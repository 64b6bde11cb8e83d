package api_test

import (
	"net/http"
	"strings"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

// The account JSON is the public API: these bytes are what clients parse,
// whatever the Go types behind them are called.
func TestAccountJSONBytes(t *testing.T) {
	Convey("Given the accountservice", t, func() {
		f := newFixture(t)

		Convey("GET /accounts/{id} answers the account, its quote and its image, in this order", func() {
			rec := f.do("GET", "/accounts/10001", nil)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(rec.Body.String(), ShouldEqual, `{"id":"10001","name":"Person_1","servedBy":"10.0.0.7",`+
				`"quote":{"quote":"Fake it till you make it","ipAddress":"10.0.0.8","language":"en"},`+
				`"imageData":{"url":"http://imageservice:7777/file/cake.jpg","servedBy":"10.0.0.9"}}`+"\n")
		})

		Convey("with both downstreams failing, the fallbacks have the same shape", func() {
			f.quotes.mode.Store(fail)
			f.images.mode.Store(fail)
			rec := f.do("GET", "/accounts/10002", nil)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(rec.Body.String(), ShouldEqual, `{"id":"10002","name":"Person_2","servedBy":"10.0.0.7",`+
				`"quote":{"quote":"May the source be with you, always.","ipAddress":"circuit-breaker","language":"en"},`+
				`"imageData":{"url":"http://path.to.placeholder","servedBy":"fallback"}}`+"\n")
		})

		Convey("POST /accounts answers the new account without quote and imageData", func() {
			rec := f.do("POST", "/accounts", strings.NewReader(`{"name":"Ada"}`), "Content-Type", "application/json")
			So(rec.Code, ShouldEqual, http.StatusCreated)
			So(rec.Body.String(), ShouldEqual, `{"id":"10100","name":"Ada","servedBy":"10.0.0.7"}`+"\n")
		})
	})
}
