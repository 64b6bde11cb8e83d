// Package bearer checks OAuth 2.0 access tokens in every Go service: the
// middleware takes the token of "Authorization: Bearer <JWT>" (RFC 6750
// §2.1), verifies its RS256 signature with the authorization server's JSON
// Web Key Set (RFC 7517, fetched and cached, never per request), checks
// "iss", "exp", "nbf", "iat" and, when configured, "aud" (RFC 7519 §4.1),
// then the scope a route needs, and answers a refusal as RFC 6750 §3 says.
// The overlay network is not a trust boundary: each service checks the
// token itself, as the edge does.
//
// JWT parsing and claim validation are github.com/golang-jwt/jwt/v5 (MIT),
// the keys of the set are read by github.com/MicahParks/jwkset (Apache-2.0);
// this package holds the policy: which algorithm, which keys, which claims,
// which scopes, which paths stay open, what a refusal looks like, and when
// the set is fetched again.
package bearer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/sirupsen/logrus"

	"github.com/goblog/common/logging"
	"github.com/goblog/common/server"
)

// Realm is the realm of every challenge (RFC 6750 §3).
const Realm = "goblog"

// Scopes of the account API, as the authorization server registers them.
const (
	ScopeRead  = "account:read"
	ScopeWrite = "account:write"
)

// IsOpen reports whether path is served without a token in every service:
// /health and /health/live (Swarm's and the landscape's health checks),
// /info (the instance and its settings, secrets masked: read by the system
// tests per instance) and /metrics (Prometheus). They carry no account data;
// the edge routes none of them, and no stack publishes them on the host.
// /hystrix.stream is on a port of its own, outside this middleware.
func IsOpen(path string) bool {
	switch path {
	case "/health", "/health/live", "/info", "/metrics":
		return true
	}
	return false
}

// Rules maps a net/http ServeMux pattern ("GET /accounts/{id}", "POST
// /accounts"; a GET pattern matches HEAD too) to the scope a request matching
// it needs. A request no rule matches (an OPTIONS, a path with no route)
// needs a valid token and no particular scope: its answer holds no data.
type Rules map[string]string

// Guard is the token check of one service. Build it with New, install
// Middleware on the router, and close it at shutdown.
type Guard struct {
	keys   *keySet // nil: token checking is off
	scopes *http.ServeMux
	rules  Rules
	parser *jwt.Parser
	log    logrus.FieldLogger
}

// Option tunes New; tests use them.
type Option func(*options)

type options struct {
	client        *http.Client
	unknownKIDGap time.Duration
}

// WithHTTPClient fetches the key set with client (default: FetchTimeout,
// no cookies, Go's default transport).
func WithHTTPClient(client *http.Client) Option { return func(o *options) { o.client = client } }

// WithUnknownKIDInterval replaces RefreshOnUnknownKID, the least time
// between two fetches of the key set caused by an unknown kid.
func WithUnknownKIDInterval(d time.Duration) Option {
	return func(o *options) { o.unknownKIDGap = d }
}

// New returns the Guard of settings and rules. With tokens not required it
// logs a warning that they are not checked, and its Middleware lets every
// request through. Otherwise it fetches the key set (waiting up to
// FetchTimeout: a service starting before the authorization server starts
// all the same, and answers 401 until the keys are there) and keeps it up
// to date until Close. An error: the settings lack the key source, the JWKS
// URL is not absolute, or a rule is not a valid pattern (or two collide).
func New(ctx context.Context, s Settings, rules Rules, log logrus.FieldLogger, opts ...Option) (*Guard, error) {
	scopes, err := scopeMux(rules)
	if err != nil {
		return nil, err
	}
	g := &Guard{scopes: scopes, rules: rules, log: log}
	if !s.Required {
		log.WithField(RequiredKey, false).Warn("ACCESS TOKENS ARE NOT CHECKED: every route answers anyone; set auth_required, auth_issuer and auth_jwks_url to check them")
		return g, nil
	}
	if s.Issuer == "" || s.JWKSURL == "" {
		return nil, errNoKeySource
	}
	o := options{
		client:        &http.Client{Timeout: FetchTimeout},
		unknownKIDGap: RefreshOnUnknownKID,
	}
	for _, opt := range opts {
		opt(&o)
	}
	parse := []jwt.ParserOption{
		jwt.WithValidMethods([]string{jwt.SigningMethodRS256.Alg()}),
		jwt.WithIssuer(s.Issuer),
		jwt.WithLeeway(s.ClockSkew),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
	}
	if s.Audience != "" {
		parse = append(parse, jwt.WithAudience(s.Audience))
	}
	g.parser = jwt.NewParser(parse...)
	if g.keys, err = newKeySet(ctx, s.JWKSURL, o.client, o.unknownKIDGap, log); err != nil {
		return nil, err
	}
	log.WithFields(logrus.Fields{IssuerKey: s.Issuer, JWKSURLKey: s.JWKSURL, AudienceKey: s.Audience}).Info("access tokens are checked")
	return g, nil
}

// scopeMux compiles rules into a ServeMux whose matched pattern names the
// scope; ServeMux panics on a bad or colliding pattern, turned into an error.
func scopeMux(rules Rules) (mux *http.ServeMux, err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("bearer: scope rules: %v", v)
		}
	}()
	mux = http.NewServeMux()
	for pattern := range rules {
		mux.Handle(pattern, http.NotFoundHandler())
	}
	return mux, nil
}

// Checking reports whether tokens are checked (auth_required).
func (g *Guard) Checking() bool { return g.keys != nil }

// Close stops fetching the key set; a closer for server.Runner.
func (g *Guard) Close() error {
	if g.keys != nil {
		g.keys.close()
	}
	return nil
}

// Middleware checks the token of every request whose path is not open
// (IsOpen) and passes it on with the Token in its context (TokenFrom).
// Refusals, each with a JSON body {"error": …} and the challenge
// `WWW-Authenticate: Bearer realm="goblog"` (RFC 6750 §3):
//   - no token (no Authorization header, or another scheme): 401, no error code;
//   - a token that is malformed, unverifiable, expired, not yet valid, of
//     another issuer or audience: 401, error="invalid_token";
//   - two Authorization headers: 400, error="invalid_request";
//   - a valid token without the route's scope: 403,
//     error="insufficient_scope", scope="<the scope>".
//
// The client learns nothing beyond the error code; the reason is logged at
// debug. With token checking off, it returns next.
func (g *Guard) Middleware(next http.Handler) http.Handler {
	if g.keys == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if IsOpen(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		raw, err := TokenFromHeader(r.Header)
		if err != nil {
			g.refuse(w, r, err)
			return
		}
		tok, err := g.Verify(r.Context(), raw)
		if err != nil {
			g.refuse(w, r, err)
			return
		}
		if scope := g.scopeFor(r); scope != "" && !tok.HasScope(scope) {
			g.refuse(w, r, &scopeError{scope: scope})
			return
		}
		next.ServeHTTP(w, r.WithContext(WithToken(r.Context(), tok)))
	})
}

// scopeFor is the scope of the rule r matches, "" when none does.
func (g *Guard) scopeFor(r *http.Request) string {
	_, pattern := g.scopes.Handler(r)
	return g.rules[pattern]
}

// Verify checks raw, a JWS compact serialization: an RS256 signature by the
// key of the set its "kid" names, then the claims ("exp" required). The
// error says why, for the log only: the client is told invalid_token
// whatever it is.
func (g *Guard) Verify(ctx context.Context, raw string) (Token, error) {
	if g.keys == nil {
		return Token{}, errors.New("bearer: token checking is off")
	}
	var c claims
	_, err := g.parser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		// RFC 8725 §3.1: the algorithm is ours to choose, never the token's
		// (WithValidMethods has refused every other one already).
		if t.Method != jwt.SigningMethodRS256 {
			return nil, fmt.Errorf("algorithm %q is not RS256", t.Method.Alg())
		}
		kid, _ := t.Header["kid"].(string)
		return g.keys.key(ctx, kid)
	})
	if err != nil {
		return Token{}, &tokenError{err: err}
	}
	t := Token{Raw: raw, Subject: c.Subject, Scopes: c.scopes()}
	if c.ExpiresAt != nil {
		t.Expiry = c.ExpiresAt.Time
	}
	return t, nil
}

// claims are the claims of an access token the services read.
type claims struct {
	jwt.RegisteredClaims
	// Scope is RFC 9068 §2.2.3.1's space-separated string, or the JSON array
	// Spring Authorization Server writes; Scp the same under the name some
	// servers use. Spring Security's JwtGrantedAuthoritiesConverter reads
	// "scope", then "scp".
	Scope any `json:"scope"`
	Scp   any `json:"scp"`
}

// scopes are the scopes of "scope", else of "scp".
func (c *claims) scopes() []string {
	for _, v := range []any{c.Scope, c.Scp} {
		switch v := v.(type) {
		case string:
			return strings.Fields(v)
		case []any:
			scopes := make([]string, 0, len(v))
			for _, s := range v {
				if s, ok := s.(string); ok {
					scopes = append(scopes, s)
				}
			}
			return scopes
		}
	}
	return nil
}

// tokenError is a token that does not verify or validate.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "invalid token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// scopeError is a valid token without the scope a route needs.
type scopeError struct{ scope string }

func (e *scopeError) Error() string { return "token lacks scope " + e.scope }

// refuse answers err as RFC 6750 §3 says and logs why at debug.
func (g *Guard) refuse(w http.ResponseWriter, r *http.Request, err error) {
	if debugEnabled(g.log) { // a flood of bad tokens costs no log entries at info
		logging.WithContext(g.log, r.Context()).WithFields(logrus.Fields{
			"method": r.Method, "path": r.URL.Path, "reason": err.Error(),
		}).Debug("request refused: access token")
	}

	challenge := `Bearer realm="` + Realm + `"`
	var (
		status = http.StatusUnauthorized
		msg    = "invalid access token"
		se     *scopeError
	)
	switch {
	case errors.Is(err, ErrNoToken):
		msg = "authentication required: send an access token as Authorization: Bearer <token>"
	case errors.Is(err, ErrSeveralHeaders):
		status, msg = http.StatusBadRequest, "more than one Authorization header"
		challenge += `, error="invalid_request"`
	case errors.As(err, &se):
		status, msg = http.StatusForbidden, "insufficient scope: "+se.scope+" required"
		challenge += `, error="insufficient_scope", scope="` + se.scope + `"`
	default: // ErrMalformed, *tokenError
		challenge += `, error="invalid_token"`
	}
	w.Header().Set("WWW-Authenticate", challenge)
	w.Header().Set("Cache-Control", "no-store")
	server.WriteError(w, status, msg)
}

// debugEnabled reports whether log writes debug entries, read per call (a
// refresh changes the level). A FieldLogger that is neither a
// *logrus.Logger nor a *logrus.Entry is assumed to.
func debugEnabled(log logrus.FieldLogger) bool {
	switch l := log.(type) {
	case *logrus.Logger:
		return l.IsLevelEnabled(logrus.DebugLevel)
	case *logrus.Entry:
		return l.Logger.IsLevelEnabled(logrus.DebugLevel)
	}
	return true
}
