package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

// from sends a request from peer (RemoteAddr) with Host host and headers.
func (f *fixture) from(peer, host, method, target string, body io.Reader, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, body)
	req.RemoteAddr, req.Host = peer, host
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	f.router.ServeHTTP(rec, req)
	return rec
}

// What Zuul forwards for http://localhost:8765/api/accounts/… (support/edge-server).
var edgeHeaders = []string{
	"X-Forwarded-Host", "localhost:8765", "X-Forwarded-Port", "8765",
	"X-Forwarded-Proto", "http", "X-Forwarded-Prefix", "/api",
}

const (
	edgePeer   = "10.0.1.5:50312" // the edge's task on the overlay network
	clientPeer = "203.0.113.7:40000"
)

func TestLinksTheClientCanFollow(t *testing.T) {
	Convey("Given accountservice with imageservice answering its internal URL", t, func() {
		f := newFixture(t)
		create := `{"name":"Ada"}`

		Convey("a direct client gets links on the Host it used", func() {
			rec := f.from(clientPeer, "localhost:6767", "POST", "/accounts", strings.NewReader(create), "Content-Type", "application/json")
			So(rec.Code, ShouldEqual, http.StatusCreated)
			So(rec.Header().Get("Location"), ShouldEqual, "http://localhost:6767/accounts/10100")

			rec = f.from(clientPeer, "localhost:6767", "GET", "/accounts/10100", nil)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(decode[wireAccount](rec.Body.String()).ImageData.URL, ShouldEqual, "http://imageservice:7777/file/cake.jpg")
		})

		Convey("behind the edge, the links are the edge's", func() {
			rec := f.from(edgePeer, "accountservice:6767", "POST", "/accounts", strings.NewReader(create),
				append([]string{"Content-Type", "application/json"}, edgeHeaders...)...)
			So(rec.Code, ShouldEqual, http.StatusCreated)
			So(rec.Header().Get("Location"), ShouldEqual, "http://localhost:8765/api/accounts/10100")

			rec = f.from(edgePeer, "accountservice:6767", "GET", "/accounts/10100", nil, edgeHeaders...)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(decode[wireAccount](rec.Body.String()).ImageData, ShouldResemble,
				wireImage{URL: "http://localhost:8765/api/file/cake.jpg", ServedBy: "10.0.0.9"})
		})

		Convey("behind an HTTPS front on its default port", func() {
			rec := f.from(edgePeer, "accountservice:6767", "GET", "/accounts/10001", nil,
				"Forwarded", `for=198.51.100.4;proto=https;host="goblog.example"`, "X-Forwarded-Prefix", "/api")
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(decode[wireAccount](rec.Body.String()).ImageData.URL, ShouldEqual, "https://goblog.example/api/file/cake.jpg")
		})

		Convey("the placeholder of a failed imageservice is not rewritten", func() {
			f.images.Close()
			rec := f.from(edgePeer, "accountservice:6767", "GET", "/accounts/10001", nil, edgeHeaders...)
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(decode[wireAccount](rec.Body.String()).ImageData.URL, ShouldEqual, "http://path.to.placeholder")
		})

		Convey("a client outside the trusted networks cannot choose its links", func() {
			rec := f.from(clientPeer, "localhost:6767", "POST", "/accounts", strings.NewReader(create),
				"Content-Type", "application/json", "X-Forwarded-Host", "evil.example", "X-Forwarded-Prefix", "/phish",
				"Forwarded", "host=evil.example")
			So(rec.Code, ShouldEqual, http.StatusCreated)
			So(rec.Header().Get("Location"), ShouldEqual, "http://localhost:6767/accounts/10100")
		})

		Convey("a malformed forwarded header is 400 and stores nothing", func() {
			for _, h := range [][2]string{
				{"X-Forwarded-Host", "evil.example/path"},
				{"X-Forwarded-Proto", "javascript"},
				{"X-Forwarded-Port", "99999"},
				{"X-Forwarded-Prefix", "no-slash"},
				{"Forwarded", "host"},
			} {
				rec := f.from(edgePeer, "accountservice:6767", "POST", "/accounts", strings.NewReader(create),
					"Content-Type", "application/json", h[0], h[1])
				So(rec.Code, ShouldEqual, http.StatusBadRequest)
				So(errorBody(rec, rec.Body.String()), ShouldContainSubstring, h[0])

				rec = f.from(edgePeer, "accountservice:6767", "GET", "/accounts/10001", nil, h[0], h[1])
				So(rec.Code, ShouldEqual, http.StatusBadRequest)
			}
			So(f.from(clientPeer, "localhost:6767", "GET", "/accounts/10100", nil).Code, ShouldEqual, http.StatusNotFound)
		})
	})
}
