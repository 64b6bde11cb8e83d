package downstream

import (
	"net/http"

	"github.com/goblog/common/bearer"
)

// RelayToken returns a RoundTripper that sends each request through next
// (nil: http.DefaultTransport) with the caller's access token: the token
// common/bearer checked and put in the request's context
// (bearer.TokenFrom), as "Authorization: Bearer <token>". imageservice and
// quotes-service check it again themselves (issue 11: the overlay network is
// not a trust boundary). A request without a checked token in its context,
// or with an Authorization header of its own, is sent as it is: only a
// token this service verified is passed on.
func RelayToken(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return relay{next: next}
}

type relay struct{ next http.RoundTripper }

func (t relay) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, ok := bearer.TokenFrom(req.Context())
	if !ok || req.Header.Get("Authorization") != "" {
		return t.next.RoundTrip(req)
	}
	// A RoundTripper must not modify the request it was given.
	out := req.Clone(req.Context())
	out.Header.Set("Authorization", "Bearer "+tok.Raw)
	return t.next.RoundTrip(out)
}
