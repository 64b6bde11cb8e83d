// Package methodtest is the table test of RFC 9110's method rules
// (server.ApplyMethodRules) that every service runs over its own router.
package methodtest

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

// Methods are the methods every route is asked with: those of RFC 9110 §9,
// PATCH (RFC 5789) and a token no server knows.
func Methods() []string {
	return []string{
		http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodTrace, http.MethodConnect, "BREW",
	}
}

// Route is one row of a service's table.
type Route struct {
	Template string // the route's path template: "/accounts/{id}"
	Path     string // a path it serves: "/accounts/10000"
	Allow    string // the Allow header the path must answer: "GET, HEAD, OPTIONS"
}

// Run fails t unless the path templates of router's routes with a method
// (found with mux.Router.Walk) are exactly those of routes, so a new route
// needs a row. Then it asks every row's path with every method through a
// real server on h (router, maybe wrapped), whose HEAD handling is net/http's,
// and checks:
//   - a method in Allow is not answered 405;
//   - HEAD answers the status and headers of GET (Date aside) and no body;
//   - OPTIONS answers 200, the Allow header and no body;
//   - any other method that some row allows answers 405, the Allow header
//     and, HEAD aside, a JSON body {"error": "..."};
//   - a method no row allows answers 501 and a JSON body (RFC 9110 §9.1).
//
// Requests carry no body, and each is sent on a new connection, closed once
// its headers are read: a stream (Server-Sent Events) ends with it.
func Run(t *testing.T, h http.Handler, router *mux.Router, routes []Route) {
	t.Helper()
	registered := map[string]bool{}
	_ = router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if _, merr := route.GetMethods(); err == nil && merr == nil {
			registered[tpl] = true
		}
		return nil
	})
	table := map[string]bool{}
	for _, r := range routes {
		table[r.Template] = true
	}
	if !maps.Equal(registered, table) {
		t.Fatalf("router registers the templates %v, the table lists %v", slices.Sorted(maps.Keys(registered)), slices.Sorted(maps.Keys(table)))
	}

	implemented := map[string]bool{}
	for _, r := range routes {
		for _, m := range strings.Split(r.Allow, ", ") {
			implemented[m] = true
		}
	}

	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	for _, r := range routes {
		allowed := strings.Split(r.Allow, ", ")
		for _, method := range Methods() {
			t.Run(method+" "+r.Path, func(t *testing.T) {
				res := do(t, client, method, srv.URL+r.Path)
				switch {
				case !implemented[method]:
					checkNotImplemented(t, res)
				case !slices.Contains(allowed, method):
					checkNotAllowed(t, method, res, r.Allow)
				case method == http.MethodHead:
					checkHead(t, res, do(t, client, http.MethodGet, srv.URL+r.Path))
				case method == http.MethodOptions:
					checkOptions(t, res, r.Allow)
				case res.status == http.StatusMethodNotAllowed:
					t.Errorf("%s %s: 405, but the route allows %s", method, r.Path, r.Allow)
				}
			})
		}
	}
}

// response is what a check needs of an answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends one request and reads its answer; a stream (text/event-stream)
// is not read, and closing it ends it.
func do(t *testing.T, client *http.Client, method, url string) response {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer func() { _ = res.Body.Close() }()
	var body []byte
	if res.Header.Get("Content-Type") != "text/event-stream" {
		if body, err = io.ReadAll(res.Body); err != nil {
			t.Fatalf("%s %s: reading the body: %v", method, url, err)
		}
	}
	header := res.Header.Clone()
	header.Del("Date")
	return response{status: res.StatusCode, header: header, body: body}
}

func checkNotImplemented(t *testing.T, res response) {
	t.Helper()
	if res.status != http.StatusNotImplemented {
		t.Errorf("status %d, want 501", res.status)
	}
	checkJSONError(t, res)
}

func checkNotAllowed(t *testing.T, method string, res response, allow string) {
	t.Helper()
	if res.status != http.StatusMethodNotAllowed {
		t.Errorf("status %d, want 405 (Allow: %s)", res.status, allow)
	}
	if got := res.header.Get("Allow"); got != allow {
		t.Errorf("Allow %q, want %q", got, allow)
	}
	if method == http.MethodHead {
		if len(res.body) != 0 {
			t.Errorf("HEAD answered a body of %d bytes", len(res.body))
		}
		return
	}
	checkJSONError(t, res)
}

// checkJSONError checks res carries the JSON error body {"error": "..."}.
func checkJSONError(t *testing.T, res response) {
	t.Helper()
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var body struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(res.body, &body); err != nil || body.Error == "" {
		t.Errorf(`body %q, want {"error": "..."} (%v)`, res.body, err)
	}
}

func checkHead(t *testing.T, head, get response) {
	t.Helper()
	if head.status != get.status {
		t.Errorf("HEAD status %d, GET status %d", head.status, get.status)
	}
	if !maps.EqualFunc(head.header, get.header, slices.Equal) {
		t.Errorf("HEAD headers %v, GET headers %v", head.header, get.header)
	}
	if len(head.body) != 0 {
		t.Errorf("HEAD answered a body of %d bytes", len(head.body))
	}
}

func checkOptions(t *testing.T, res response, allow string) {
	t.Helper()
	if res.status != http.StatusOK {
		t.Errorf("OPTIONS status %d, want 200", res.status)
	}
	if got := res.header.Get("Allow"); got != allow {
		t.Errorf("Allow %q, want %q", got, allow)
	}
	if len(res.body) != 0 {
		t.Errorf("OPTIONS answered a body of %d bytes", len(res.body))
	}
}
