package quotes_test

import (
	"context"
	"errors"
	"testing"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/downstream/downstreamtest"
	"github.com/goblog/accountservice/internal/quotes"
)

// The paths through the circuit are internal/downstream's tests; here, what is
// quotes-service's own.
func TestQuote(t *testing.T) {
	ctx := context.Background()
	Convey("Given a quotes client", t, func() {
		get := &downstreamtest.Getter{Body: `{"quote":"Hello","ipAddress":"10.0.0.9","language":"en","extra":1}`}
		url := "http://quotes-service:8080/api/quote?strength=4"
		c := quotes.New(get, func() string { return url }, downstreamtest.QuietLog)

		Convey("a good answer is the quote, fetched in circuit quotes-service", func() {
			So(c.Quote(ctx), ShouldResemble, account.Quote{Text: "Hello", IPAddress: "10.0.0.9", Language: "en"})
			So(get.Names, ShouldResemble, []string{"quotes-service"})
			So(get.URLs, ShouldResemble, []string{url})
		})

		Convey("the URL is read on every call, so a refresh applies at once", func() {
			c.Quote(ctx)
			url = "http://localhost:8080/api/quote?strength=4"
			c.Quote(ctx)
			So(get.URLs[1], ShouldEqual, url)
		})

		Convey("a failed call falls back to the landscape's quote", func() {
			get.Err, get.RunFallback = errors.New("503"), true
			So(c.Quote(ctx), ShouldResemble, account.Quote{Text: "May the source be with you, always.", IPAddress: "circuit-breaker", Language: "en"})
		})

		Convey("nonsense falls back", func() {
			for _, body := range []string{``, `not json`, `{"quote":""}`, `[]`, `{"quote":42}`,
				// strictjson's rule: duplicates, invalid UTF-8 and trailing data are refused, not guessed at
				`{"quote":"a","quote":"b"}`, "{\"quote\":\"bad\xff\"}", `{"quote":"a"}{}`} {
				get.Body = body
				So(c.Quote(ctx), ShouldResemble, quotes.Fallback())
			}
		})

		Convey("no URL configured falls back without a call", func() {
			url = ""
			So(c.Quote(ctx), ShouldResemble, quotes.Fallback())
			So(get.URLs, ShouldBeEmpty)
		})
	})
}
