package server

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gorilla/mux"
)

// ApplyMethodRules makes router answer by the method rules of RFC 9110 on
// every route registered so far, its subrouters' included:
//
//   - HEAD wherever GET (§9.3.2): a route that accepts GET but not HEAD gets a
//     HEAD twin with the same matchers, handler and middleware, which
//     mux.CurrentRoute reports as the GET route. net/http sends no content in
//     the answer to a HEAD and the Content-Length the GET answer would have
//     (§8.6), so the client sees the status and headers of GET and no body.
//   - OPTIONS on a path some route serves (§9.3.7): 200, Content-Length: 0
//     and Allow listing the path's methods, unless a route takes OPTIONS
//     itself. 200, not 204: §9.3.7 asks for Content-Length: 0 when there is
//     no content, which §8.6 forbids on a 204. OPTIONS * is net/http's (200,
//     no Allow). No CORS preflight answer: the one cross-origin reader, the
//     Hystrix dashboard's EventSource on turbine, sends simple GETs.
//   - A method some route of the router implements, on a path that has no
//     route for it: 405 with Allow listing the methods the path has
//     (§15.5.6: a 405 MUST carry Allow) and the JSON body
//     {"error": "method POST not allowed on /health; allowed: GET, HEAD, OPTIONS"}.
//   - A method no route implements (PUT on a service that has none, TRACE,
//     an unknown token): 501 with the JSON body {"error": "method TRACE not
//     implemented"} (§9.1: a server SHOULD answer 501 to a method it does not
//     recognise or implement; 405 is for a method it knows that the target
//     does not support).
//
// Allow lists the path's methods in the order GET, HEAD, POST, PUT, PATCH,
// DELETE, CONNECT, OPTIONS, TRACE, then any other method the routes name.
// A path no route serves stays router.NotFoundHandler's. Call it once, after
// the last route is registered: a route added later gets no HEAD twin and a
// method only it names is missing from Allow.
func ApplyMethodRules(router *mux.Router) {
	type getRoute struct {
		parent *mux.Router
		route  *mux.Route
	}
	var gets []getRoute
	methods := []string{
		http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodConnect, http.MethodOptions, http.MethodTrace,
	}
	var others []string
	// implemented is every method some route takes; a HEAD twin added
	// below has no method matcher, so HEAD counts wherever GET does.
	implemented := map[string]bool{http.MethodOptions: true}
	_ = router.Walk(func(route *mux.Route, parent *mux.Router, _ []*mux.Route) error {
		routeMethods, err := route.GetMethods()
		if err != nil { // no method matcher: a subrouter, or a route for every method
			return nil
		}
		for _, m := range routeMethods {
			implemented[m] = true
			if m == http.MethodGet {
				implemented[http.MethodHead] = true
			}
			if !slices.Contains(methods, m) && !slices.Contains(others, m) {
				others = append(others, m)
			}
		}
		if slices.Contains(routeMethods, http.MethodGet) && !slices.Contains(routeMethods, http.MethodHead) {
			gets = append(gets, getRoute{parent: parent, route: route})
		}
		return nil
	})
	// Added after the walk: a router's route list must not grow while it is walked.
	for _, g := range gets {
		g.parent.NewRoute().MatcherFunc(headAsGet(g.route)).Handler(g.route.GetHandler())
	}
	slices.Sort(others)
	router.MethodNotAllowedHandler = methodNotAllowed(router, append(methods, others...), implemented)
}

// headAsGet matches a HEAD request that get would match as a GET, with get's
// path variables, and makes get the matched route (for the tracing
// middleware's route template).
func headAsGet(get *mux.Route) mux.MatcherFunc {
	return func(r *http.Request, match *mux.RouteMatch) bool {
		if r.Method != http.MethodHead {
			return false
		}
		var asGet mux.RouteMatch
		if !get.Match(withMethod(r, http.MethodGet), &asGet) || asGet.MatchErr != nil {
			return false
		}
		match.Route, match.Vars = get, asGet.Vars
		return true
	}
}

// methodNotAllowed serves a request whose path some route of router serves,
// with another method: OPTIONS or 405, with Allow from the methods candidates
// the path answers, or 501 for a method not in implemented.
func methodNotAllowed(router *mux.Router, candidates []string, implemented map[string]bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !implemented[r.Method] {
			WriteError(w, http.StatusNotImplemented, fmt.Sprintf("method %s not implemented", r.Method))
			return
		}
		var allowed []string
		for _, m := range candidates {
			var match mux.RouteMatch
			if m == http.MethodOptions || router.Match(withMethod(r, m), &match) && match.MatchErr == nil {
				allowed = append(allowed, m)
			}
		}
		allow := strings.Join(allowed, ", ")
		w.Header().Set("Allow", allow)
		if r.Method == http.MethodOptions {
			w.Header().Set("Content-Length", "0")
			w.WriteHeader(http.StatusOK)
			return
		}
		WriteError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow))
	})
}

// withMethod is a shallow copy of r with another method, for matching only.
func withMethod(r *http.Request, method string) *http.Request {
	c := r.WithContext(r.Context())
	c.Method = method
	return c
}
