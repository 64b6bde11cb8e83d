package downstream_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sirupsen/logrus"
	"github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/downstream"
	"github.com/goblog/accountservice/internal/downstream/downstreamtest"
	"github.com/goblog/common/circuit"
)

type greeting struct{ Text string }

// decodeGreeting accepts "hello <name>" only, and counts its calls.
type decodeGreeting struct{ calls int }

func (d *decodeGreeting) decode(body []byte) (greeting, error) {
	d.calls++
	var name string
	if _, err := fmt.Sscanf(string(body), "hello %s", &name); err != nil {
		return greeting{}, fmt.Errorf("decoding greeting: %w", err)
	}
	return greeting{Text: "hi " + name}, nil
}

func TestFetch(t *testing.T) {
	ctx := context.Background()
	Convey("Given a client of a greeting service", t, func() {
		log, hook := test.NewNullLogger()
		log.SetLevel(logrus.DebugLevel)
		get := &downstreamtest.Getter{Body: "hello ada"}
		dec := &decodeGreeting{}
		c := downstream.New(get, downstream.Resource[greeting]{
			Circuit: "greeter", URLKey: "greeter_url", Noun: "greeting",
			Decode: dec.decode, Fallback: greeting{Text: "hi stranger"},
		}, func(context.Context) logrus.FieldLogger { return log })
		lastLog := func() (logrus.Level, string) {
			e := hook.LastEntry()
			So(e, ShouldNotBeNil)
			return e.Level, e.Message
		}

		Convey("a good answer is decoded, fetched in its circuit", func() {
			So(c.Fetch(ctx, "http://greeter/hello"), ShouldResemble, greeting{Text: "hi ada"})
			So(get.Names, ShouldResemble, []string{"greeter"})
			So(get.URLs, ShouldResemble, []string{"http://greeter/hello"})
			So(hook.AllEntries(), ShouldBeEmpty)
		})

		Convey("a failed call serves the fallback value as it is, without decoding, and warns", func() {
			get.Err, get.RunFallback = errors.New("503"), true
			So(c.Fetch(ctx, "http://greeter/hello"), ShouldResemble, greeting{Text: "hi stranger"})
			So(dec.calls, ShouldEqual, 0)
			level, msg := lastLog()
			So(level, ShouldEqual, logrus.WarnLevel)
			So(msg, ShouldEqual, "greeter failed, using the fallback greeting")
		})

		Convey("an open circuit serves the fallback and logs at debug only", func() {
			get.Err, get.RunFallback = fmt.Errorf("circuit greeter: %w", circuit.ErrOpen), true
			So(c.Fetch(ctx, "http://greeter/hello"), ShouldResemble, greeting{Text: "hi stranger"})
			level, msg := lastLog()
			So(level, ShouldEqual, logrus.DebugLevel)
			So(msg, ShouldEqual, "greeter circuit open, using the fallback greeting")
		})

		Convey("an error without the circuit's fallback (a 4xx) falls back too", func() {
			get.Err = &circuit.StatusError{URL: "http://greeter/hello", StatusCode: http.StatusNotFound}
			So(c.Fetch(ctx, "http://greeter/hello"), ShouldResemble, greeting{Text: "hi stranger"})
			level, _ := lastLog()
			So(level, ShouldEqual, logrus.WarnLevel)
		})

		Convey("an answer Decode refuses falls back", func() {
			get.Body = "bye"
			So(c.Fetch(ctx, "http://greeter/hello"), ShouldResemble, greeting{Text: "hi stranger"})
			level, msg := lastLog()
			So(level, ShouldEqual, logrus.WarnLevel)
			So(msg, ShouldEqual, "greeter answered nonsense, using the fallback greeting")
		})

		Convey("an empty body is an answer, not the fallback: Decode judges it", func() {
			get.Body = ""
			So(c.Fetch(ctx, "http://greeter/hello"), ShouldResemble, greeting{Text: "hi stranger"})
			So(dec.calls, ShouldEqual, 1)
		})

		Convey("no URL configured falls back without a call", func() {
			So(c.Fetch(ctx, ""), ShouldResemble, greeting{Text: "hi stranger"})
			So(get.URLs, ShouldBeEmpty)
			_, msg := lastLog()
			So(msg, ShouldEqual, "greeter_url not configured, using the fallback greeting")
		})
	})
}

// Through a real circuit.Client: a downstream answering 500 gives the
// fallback value, with the circuit's fallback run (not an error).
func TestFetchThroughACircuit(t *testing.T) {
	Convey("Given a downstream that always fails", t, func() {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "boom", http.StatusInternalServerError)
		}))
		defer srv.Close()
		log, hook := test.NewNullLogger()
		dec := &decodeGreeting{}
		c := downstream.New(circuit.NewClient(srv.Client(), circuit.WithAttempts(1)), downstream.Resource[greeting]{
			Circuit: t.Name(), URLKey: "greeter_url", Noun: "greeting",
			Decode: dec.decode, Fallback: greeting{Text: "hi stranger"},
		}, func(context.Context) logrus.FieldLogger { return log })

		So(c.Fetch(context.Background(), srv.URL), ShouldResemble, greeting{Text: "hi stranger"})
		So(dec.calls, ShouldEqual, 0)
		So(hook.LastEntry().Message, ShouldEqual, t.Name()+" failed, using the fallback greeting")
	})
}
