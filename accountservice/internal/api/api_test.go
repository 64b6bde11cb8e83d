package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/memstore"
)

func decode[T any](body string) T {
	var v T
	So(json.Unmarshal([]byte(body), &v), ShouldBeNil)
	return v
}

// wireAccount is an account as a client decodes the public JSON.
type wireAccount struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	ServedBy  string    `json:"servedBy"`
	Quote     wireQuote `json:"quote"`
	ImageData wireImage `json:"imageData"`
}

type wireQuote struct {
	Quote     string `json:"quote"`
	IPAddress string `json:"ipAddress"`
	Language  string `json:"language"`
}

type wireImage struct {
	URL      string `json:"url"`
	ServedBy string `json:"servedBy"`
}

func errorBody(rec interface{ Header() http.Header }, body string) string {
	So(rec.Header().Get("Content-Type"), ShouldStartWith, "application/json")
	return decode[map[string]string](body)["error"]
}

func TestGetAccount(t *testing.T) {
	Convey("Given the accountservice with healthy downstreams", t, func() {
		f := newFixture(t)

		Convey("GET /accounts/10001 answers the aggregated account", func() {
			rec := f.do("GET", "/accounts/10001", nil)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(decode[wireAccount](rec.Body.String()), ShouldResemble, wireAccount{
				ID: "10001", Name: "Person_1", ServedBy: "10.0.0.7",
				Quote:     wireQuote{Quote: "Fake it till you make it", IPAddress: "10.0.0.8", Language: "en"},
				ImageData: wireImage{URL: "http://imageservice:7777/file/cake.jpg", ServedBy: "10.0.0.9"},
			})
		})

		Convey("the incoming B3 trace continues to both downstream calls", func() {
			rec := f.do("GET", "/accounts/10002", nil,
				"X-B3-TraceId", "463ac35c9f6413ad48485a3953bb6124", "X-B3-SpanId", "48485a3953bb6124", "X-B3-Sampled", "1")
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(f.quotes.traceID.Load(), ShouldEqual, "463ac35c9f6413ad48485a3953bb6124")
			So(f.images.traceID.Load(), ShouldEqual, "463ac35c9f6413ad48485a3953bb6124")
		})

		Convey("a malformed id is 400 with a JSON error", func() {
			for _, id := range []string{"abc", "010000", "-1", "1e4", "99999999999999999999"} {
				rec := f.do("GET", "/accounts/"+id, nil)
				So(rec.Code, ShouldEqual, http.StatusBadRequest)
				So(errorBody(rec, rec.Body.String()), ShouldContainSubstring, "account id")
			}
			So(f.quotes.hits.Load(), ShouldEqual, 0)
		})

		Convey("an unknown id is 404 with a JSON error", func() {
			rec := f.do("GET", "/accounts/99999", nil)
			So(rec.Code, ShouldEqual, http.StatusNotFound)
			So(errorBody(rec, rec.Body.String()), ShouldEqual, "account not found")
		})

		Convey("a wrong method is 405 with a JSON error, one no route has 501", func() {
			rec := f.do("POST", "/accounts/10000", nil)
			So(rec.Code, ShouldEqual, http.StatusMethodNotAllowed)
			So(errorBody(rec, rec.Body.String()), ShouldNotBeEmpty)
			rec = f.do("DELETE", "/accounts/10000", nil)
			So(rec.Code, ShouldEqual, http.StatusNotImplemented)
			So(errorBody(rec, rec.Body.String()), ShouldNotBeEmpty)
		})
	})

	Convey("Given a store that fails", t, func() {
		f := newFixture(t, withStore(failingStore{memstore.New()}))

		Convey("GET is 500 without the internal detail", func() {
			rec := f.do("GET", "/accounts/10000", nil)
			So(rec.Code, ShouldEqual, http.StatusInternalServerError)
			So(errorBody(rec, rec.Body.String()), ShouldEqual, "internal error")
		})
	})

	Convey("Given a store whose database is down or too slow", t, func() {
		f := newFixture(t, withStore(unavailableStore{memstore.New()}))

		Convey("GET is 503 with a JSON error and no internal detail", func() {
			rec := f.do("GET", "/accounts/10000", nil)
			So(rec.Code, ShouldEqual, http.StatusServiceUnavailable)
			So(errorBody(rec, rec.Body.String()), ShouldEqual, "account store unavailable, try again later")
		})

		Convey("POST is 503 with a JSON error, no Location", func() {
			rec := f.do("POST", "/accounts", strings.NewReader(`{"name":"Ada"}`), "Content-Type", "application/json")
			So(rec.Code, ShouldEqual, http.StatusServiceUnavailable)
			So(errorBody(rec, rec.Body.String()), ShouldEqual, "account store unavailable, try again later")
			So(rec.Header().Get("Location"), ShouldBeEmpty)
		})
	})

	Convey("Given downstreams that fail or hang", t, func() {
		f := newFixture(t)
		fallbackQuote := wireQuote{Quote: "May the source be with you, always.", IPAddress: "circuit-breaker", Language: "en"}
		fallbackImage := wireImage{URL: "http://path.to.placeholder", ServedBy: "fallback"}

		Convey("5xx answers give 200 with both fallbacks, after retries", func() {
			f.quotes.mode.Store(fail)
			f.images.mode.Store(fail)
			rec := f.do("GET", "/accounts/10003", nil)
			So(rec.Code, ShouldEqual, http.StatusOK)
			acc := decode[wireAccount](rec.Body.String())
			So(acc.Name, ShouldEqual, "Person_3")
			So(acc.Quote, ShouldResemble, fallbackQuote)
			So(acc.ImageData, ShouldResemble, fallbackImage)
			So(f.quotes.hits.Load(), ShouldEqual, 3)
		})

		Convey("a hanging quotes-service gives the fallback quote and the real image", func() {
			f.quotes.mode.Store(hang)
			rec := f.do("GET", "/accounts/10004", nil)
			So(rec.Code, ShouldEqual, http.StatusOK)
			acc := decode[wireAccount](rec.Body.String())
			So(acc.Quote, ShouldResemble, fallbackQuote)
			So(acc.ImageData.ServedBy, ShouldEqual, "10.0.0.9")
		})

		Convey("an unreachable imageservice gives the placeholder", func() {
			f.images.Close()
			rec := f.do("GET", "/accounts/10005", nil)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(decode[wireAccount](rec.Body.String()).ImageData, ShouldResemble, fallbackImage)
		})
	})
}

func TestVIPNotification(t *testing.T) {
	Convey("Given the accountservice", t, func() {
		f := newFixture(t)

		Convey("reading the VIP account notifies once; other accounts never", func() {
			So(f.do("GET", "/accounts/10001", nil).Code, ShouldEqual, http.StatusOK)
			So(f.do("GET", "/accounts/10000", nil).Code, ShouldEqual, http.StatusOK)
			So(f.do("GET", "/accounts/10099", nil).Code, ShouldEqual, http.StatusOK)
			close(f.notifier.calls) // recorded before the answer: nothing comes later
			var got []string
			for id := range f.notifier.calls {
				got = append(got, id)
			}
			So(got, ShouldResemble, []string{"10000"})
		})

		Convey("a VIP read whose notification cannot be recorded is 503 with a JSON error", func() {
			f.notifier.err = fmt.Errorf("recording the VIP read: %w", account.ErrUnavailable)
			rec := f.do("GET", "/accounts/10000", nil)
			So(rec.Code, ShouldEqual, http.StatusServiceUnavailable)
			So(rec.Header().Get("Content-Type"), ShouldStartWith, "application/json")
		})
	})
}

func TestCreateAccount(t *testing.T) {
	Convey("Given the accountservice", t, func() {
		f := newFixture(t)
		post := func(body string) (int, string, http.Header) {
			rec := f.do("POST", "/accounts", strings.NewReader(body), "Content-Type", "application/json")
			return rec.Code, rec.Body.String(), rec.Header()
		}

		Convey("a valid name is 201 with Location and the stored account", func() {
			code, body, h := post(`{"name":"  Ada Lovelace "}`)
			So(code, ShouldEqual, http.StatusCreated)
			So(h.Get("Location"), ShouldEqual, "http://example.com/accounts/10100") // httptest.NewRequest's Host
			So(body, ShouldEqual, `{"id":"10100","name":"Ada Lovelace","servedBy":"10.0.0.7"}`+"\n")

			Convey("and the account can be read", func() {
				rec := f.do("GET", "/accounts/10100", nil)
				So(rec.Code, ShouldEqual, http.StatusOK)
				So(decode[wireAccount](rec.Body.String()).Name, ShouldEqual, "Ada Lovelace")
			})
		})

		Convey("bad requests are 400 with a JSON error and store nothing", func() {
			for _, body := range []string{
				``,
				`{}`,
				`{"name":null}`,
				`{"name":""}`,
				`{"name":"   "}`,
				`{"name":"` + strings.Repeat("x", 101) + `"}`,
				`{"name":"line\nbreak"}`,
				`{"name":"Bob","admin":true}`,
				`{"name":"Bob"} {"name":"Eve"}`,
				`{"name":"Bob"}garbage`,
				`{"name":42}`,
				`["Bob"]`,
				`{"name":"Bob"`,
			} {
				code, resp, _ := post(body)
				So(code, ShouldEqual, http.StatusBadRequest)
				So(decode[map[string]string](resp)["error"], ShouldNotBeEmpty)
			}
			rec := f.do("GET", "/accounts/10100", nil)
			So(rec.Code, ShouldEqual, http.StatusNotFound)
		})

		Convey("only application/json is read: any other media type is 415 with a JSON error and stores nothing", func() {
			for _, tc := range []struct {
				contentType string
				want        int
			}{
				{"application/json", http.StatusCreated},
				{"application/json; charset=utf-8", http.StatusCreated},
				{"Application/JSON;charset=UTF-8", http.StatusCreated},
				{"", http.StatusUnsupportedMediaType},
				{"text/plain", http.StatusUnsupportedMediaType},
				{"text/plain; charset=utf-8", http.StatusUnsupportedMediaType},
				{"application/x-www-form-urlencoded", http.StatusUnsupportedMediaType},
				{"application/json-patch+json", http.StatusUnsupportedMediaType},
				{"application/problem+json", http.StatusUnsupportedMediaType},
				{"application/json; charset", http.StatusUnsupportedMediaType}, // malformed parameter
				{"application/", http.StatusUnsupportedMediaType},
			} {
				f := newFixture(t)
				rec := f.do("POST", "/accounts", strings.NewReader(`{"name":"Ada"}`), "Content-Type", tc.contentType)
				So(fmt.Sprintf("%q → %d", tc.contentType, rec.Code), ShouldEqual, fmt.Sprintf("%q → %d", tc.contentType, tc.want))
				if tc.want == http.StatusUnsupportedMediaType {
					So(decode[map[string]string](rec.Body.String())["error"], ShouldContainSubstring, "want application/json")
					So(rec.Header().Get("Accept-Post"), ShouldEqual, "application/json")
					So(f.do("GET", "/accounts/10100", nil).Code, ShouldEqual, http.StatusNotFound)
				}
			}
		})

		Convey("a body over 64 KiB is 413", func() {
			code, resp, _ := post(`{"name":"` + strings.Repeat("x", 64<<10) + `"}`)
			So(code, ShouldEqual, http.StatusRequestEntityTooLarge)
			So(decode[map[string]string](resp)["error"], ShouldContainSubstring, "65536")
		})

		Convey("a name of exactly 100 characters fits", func() {
			code, _, _ := post(`{"name":"` + strings.Repeat("é", 100) + `"}`)
			So(code, ShouldEqual, http.StatusCreated)
		})
	})
}

func TestHealthAndTestability(t *testing.T) {
	Convey("Given the accountservice with testability enabled", t, func() {
		f := newFixture(t)

		Convey("it starts healthy", func() {
			rec := f.do("GET", "/health", nil)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(decode[map[string]string](rec.Body.String())["status"], ShouldEqual, "UP")
		})

		Convey("/testability/healthy/false makes /health 503 and true restores it", func() {
			So(f.do("GET", "/testability/healthy/false", nil).Code, ShouldEqual, http.StatusOK)
			rec := f.do("GET", "/health", nil)
			So(rec.Code, ShouldEqual, http.StatusServiceUnavailable)
			So(decode[map[string]string](rec.Body.String())["status"], ShouldEqual, "DOWN")

			So(f.do("GET", "/testability/healthy/true", nil).Code, ShouldEqual, http.StatusOK)
			So(f.do("GET", "/health", nil).Code, ShouldEqual, http.StatusOK)
		})

		Convey("any other state is 400 and changes nothing", func() {
			rec := f.do("GET", "/testability/healthy/maybe", nil)
			So(rec.Code, ShouldEqual, http.StatusBadRequest)
			So(errorBody(rec, rec.Body.String()), ShouldNotBeEmpty)
			So(f.do("GET", "/health", nil).Code, ShouldEqual, http.StatusOK)
		})

		Convey("/info answers what the service reports", func() {
			rec := f.do("GET", "/info", nil)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(decode[map[string]string](rec.Body.String())["service"], ShouldEqual, "accountservice")
		})
	})

	Convey("Given the accountservice with testability disabled", t, func() {
		f := newFixture(t, withoutTestability())

		Convey("the testability route does not exist", func() {
			So(f.do("GET", "/testability/healthy/false", nil).Code, ShouldEqual, http.StatusNotFound)
		})
	})
}
