package quotes_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/sirupsen/logrus"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/quotes"
	"github.com/goblog/common/circuit"
)

// fakeGetter answers like a circuit: body on success, otherwise the
// fallback's answer when runFallback is set, else err. The paths through the
// circuit are internal/downstream's tests; here, what is quotes-service's own.
type fakeGetter struct {
	body        string
	err         error
	runFallback bool
	urls        []string
	names       []string
}

func (f *fakeGetter) Get(ctx context.Context, name, url string, fallback circuit.Fallback) ([]byte, error) {
	f.urls, f.names = append(f.urls, url), append(f.names, name)
	if f.err == nil {
		return []byte(f.body), nil
	}
	if f.runFallback {
		return fallback(ctx, f.err)
	}
	return nil, f.err
}

func quietLog(context.Context) logrus.FieldLogger {
	l := logrus.New()
	l.Out = io.Discard
	return l
}

func TestQuote(t *testing.T) {
	ctx := context.Background()
	Convey("Given a quotes client", t, func() {
		get := &fakeGetter{body: `{"quote":"Hello","ipAddress":"10.0.0.9","language":"en","extra":1}`}
		url := "http://quotes-service:8080/api/quote?strength=4"
		c := quotes.New(get, func() string { return url }, quietLog)

		Convey("a good answer is the quote, fetched in circuit quotes-service", func() {
			So(c.Quote(ctx), ShouldResemble, account.Quote{Text: "Hello", IPAddress: "10.0.0.9", Language: "en"})
			So(get.names, ShouldResemble, []string{"quotes-service"})
			So(get.urls, ShouldResemble, []string{url})
		})

		Convey("the URL is read on every call, so a refresh applies at once", func() {
			c.Quote(ctx)
			url = "http://localhost:8080/api/quote?strength=4"
			c.Quote(ctx)
			So(get.urls[1], ShouldEqual, url)
		})

		Convey("a failed call falls back to the landscape's quote", func() {
			get.err, get.runFallback = errors.New("503"), true
			So(c.Quote(ctx), ShouldResemble, account.Quote{Text: "May the source be with you, always.", IPAddress: "circuit-breaker", Language: "en"})
		})

		Convey("nonsense falls back", func() {
			for _, body := range []string{``, `not json`, `{"quote":""}`, `[]`, `{"quote":42}`} {
				get.body = body
				So(c.Quote(ctx), ShouldResemble, quotes.Fallback())
			}
		})

		Convey("no URL configured falls back without a call", func() {
			url = ""
			So(c.Quote(ctx), ShouldResemble, quotes.Fallback())
			So(get.urls, ShouldBeEmpty)
		})
	})
}
