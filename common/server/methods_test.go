package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gorilla/mux"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/server/methodtest"
)

// methodsRouter has a root route, a POST-only path, a subrouter with
// middleware, a route naming GET and HEAD itself and one with a method of
// its own (PURGE), all under ApplyMethodRules. The handlers of /both and
// /things/{id} tell saw the method and route template they were called with.
func methodsRouter(saw func(method, route string)) *mux.Router {
	r := mux.NewRouter()
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		WriteError(w, http.StatusNotFound, "no such route")
	})
	r.HandleFunc("/health", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"status": "UP"})
	}).Methods(http.MethodGet)
	r.HandleFunc("/things", func(w http.ResponseWriter, _ *http.Request) {
		WriteJSON(w, http.StatusCreated, map[string]string{"id": "1"})
	}).Methods(http.MethodPost)
	r.HandleFunc("/both", func(w http.ResponseWriter, r *http.Request) {
		saw(r.Method, "/both")
		WriteJSON(w, http.StatusOK, map[string]string{"status": "UP"})
	}).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc("/cache", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}).Methods("PURGE")

	sub := r.NewRoute().Subrouter()
	// The middleware tells which method and route template it saw.
	sub.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tpl, _ := mux.CurrentRoute(r).GetPathTemplate()
			saw(r.Method, tpl)
			next.ServeHTTP(w, r)
		})
	})
	sub.HandleFunc("/things/{id}", func(w http.ResponseWriter, r *http.Request) {
		WriteJSON(w, http.StatusOK, map[string]string{"id": mux.Vars(r)["id"]})
	}).Methods(http.MethodGet)
	sub.HandleFunc("/things/{id}", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}).Methods(http.MethodPut)

	ApplyMethodRules(r)
	return r
}

func TestMethodRulesTable(t *testing.T) {
	r := methodsRouter(func(string, string) {})
	methodtest.Run(t, r, r, []methodtest.Route{
		{Template: "/health", Path: "/health", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/things", Path: "/things", Allow: "POST, OPTIONS"},
		{Template: "/both", Path: "/both", Allow: "GET, HEAD, OPTIONS"},
		{Template: "/cache", Path: "/cache", Allow: "OPTIONS, PURGE"},
		{Template: "/things/{id}", Path: "/things/42", Allow: "GET, HEAD, PUT, OPTIONS"},
	})
}

func TestMethodRules(t *testing.T) {
	Convey("Given a router under ApplyMethodRules", t, func() {
		saw := make(chan string, 10)
		r := methodsRouter(func(method, route string) { saw <- method + " " + route })
		serve := func(method, target string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			r.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
			return rec
		}

		Convey("HEAD runs the GET route with its path variables, middleware and route template", func() {
			rec := serve(http.MethodHead, "/things/42")
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(<-saw, ShouldEqual, "HEAD /things/{id}")
			// httptest.ResponseRecorder keeps the body net/http would drop.
			So(rec.Body.String(), ShouldEqual, `{"id":"42"}`+"\n")
		})
		Convey("a route that takes HEAD itself keeps it", func() {
			So(serve(http.MethodHead, "/both").Code, ShouldEqual, http.StatusOK)
			So(<-saw, ShouldEqual, "HEAD /both")
		})
		Convey("a method another route has is 405 with Allow and a JSON error naming both", func() {
			rec := serve(http.MethodPost, "/things/42")
			So(rec.Code, ShouldEqual, http.StatusMethodNotAllowed)
			So(rec.Header().Get("Allow"), ShouldEqual, "GET, HEAD, PUT, OPTIONS")
			So(rec.Header().Get("Content-Type"), ShouldEqual, "application/json")
			var body map[string]string
			So(json.Unmarshal(rec.Body.Bytes(), &body), ShouldBeNil)
			So(body["error"], ShouldEqual, "method POST not allowed on /things/42; allowed: GET, HEAD, PUT, OPTIONS")
		})
		Convey("a method no route has is 501 with a JSON error (RFC 9110 §9.1)", func() {
			for _, method := range []string{http.MethodDelete, http.MethodTrace, "BREW"} {
				rec := serve(method, "/things/42")
				So(rec.Code, ShouldEqual, http.StatusNotImplemented)
				So(rec.Header().Get("Content-Type"), ShouldEqual, "application/json")
				var body map[string]string
				So(json.Unmarshal(rec.Body.Bytes(), &body), ShouldBeNil)
				So(body["error"], ShouldEqual, "method "+method+" not implemented")
			}
		})
		Convey("HEAD where only POST is, is 405", func() {
			rec := serve(http.MethodHead, "/things")
			So(rec.Code, ShouldEqual, http.StatusMethodNotAllowed)
			So(rec.Header().Get("Allow"), ShouldEqual, "POST, OPTIONS")
		})
		Convey("OPTIONS answers 200 with Allow, Content-Length 0 and no body", func() {
			rec := serve(http.MethodOptions, "/health")
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(rec.Header().Get("Allow"), ShouldEqual, "GET, HEAD, OPTIONS")
			So(rec.Header().Get("Content-Length"), ShouldEqual, "0")
			So(rec.Body.Len(), ShouldEqual, 0)
		})
		Convey("a path no route serves stays 404, whatever the method", func() {
			for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut} {
				So(serve(m, "/nothing").Code, ShouldEqual, http.StatusNotFound)
			}
		})
		Convey("through net/http, HEAD has GET's Content-Length and no body", func() {
			srv := httptest.NewServer(r)
			defer srv.Close()
			get, err := http.Get(srv.URL + "/things/42")
			So(err, ShouldBeNil)
			getBody, _ := io.ReadAll(get.Body)
			_ = get.Body.Close()
			head, err := http.Head(srv.URL + "/things/42")
			So(err, ShouldBeNil)
			headBody, _ := io.ReadAll(head.Body)
			_ = head.Body.Close()
			So(head.StatusCode, ShouldEqual, http.StatusOK)
			So(head.ContentLength, ShouldEqual, len(getBody))
			So(headBody, ShouldBeEmpty)
		})
	})
}
