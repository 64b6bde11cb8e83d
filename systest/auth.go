package systest

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// EdgeTokens is the suites' access tokens when the edge checks them: the client credentials
// grant (RFC 6749 §4.4) at the edge's token endpoint ({edgeURL}/oauth2/token, the authorization
// server behind the edge), the client authenticated with HTTP Basic; a token is reused until
// shortly before it expires (golang.org/x/oauth2's ReuseTokenSource), then a new one is fetched.
// base carries the token requests (it must trust the edge's CA).
func EdgeTokens(ctx context.Context, base http.RoundTripper, edgeURL, clientID, secret string, scopes ...string) oauth2.TokenSource {
	cfg := clientcredentials.Config{
		ClientID:     clientID,
		ClientSecret: secret,
		TokenURL:     strings.TrimSuffix(edgeURL, "/") + "/oauth2/token",
		Scopes:       scopes,
		AuthStyle:    oauth2.AuthStyleInHeader,
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, &http.Client{Transport: base, Timeout: clientTimeout})
	return cfg.TokenSource(ctx)
}

// Bearer is base adding "Authorization: Bearer <token>" from tokens to every request for one of
// hosts (host:port, as in the request URL) that carries no Authorization header yet: the suites'
// own bad-token requests keep theirs, and other hosts (Zipkin, turbine) get none.
func Bearer(base http.RoundTripper, tokens oauth2.TokenSource, hosts ...string) http.RoundTripper {
	b := bearer{base: base, hosts: map[string]bool{}, tokens: tokens}
	for _, h := range hosts {
		b.hosts[h] = true
	}
	return b
}

type bearer struct {
	base   http.RoundTripper
	hosts  map[string]bool
	tokens oauth2.TokenSource
}

func (b bearer) RoundTrip(req *http.Request) (*http.Response, error) {
	if !b.hosts[req.URL.Host] || req.Header.Get("Authorization") != "" {
		return b.base.RoundTrip(req)
	}
	tok, err := b.tokens.Token()
	if err != nil {
		return nil, fmt.Errorf("an access token for %s: %w", req.URL.Host, err)
	}
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return b.base.RoundTrip(req)
}
