// Package bearer checks OAuth 2.0 access tokens in every Go service: the
// middleware takes the token of "Authorization: Bearer <JWT>" (RFC 6750
// §2.1), verifies its RS256 signature with the authorization server's JSON
// Web Key Set (RFC 7517, fetched and cached, never per request), checks
// "iss", "exp", "nbf", "iat" and, when configured, "aud" (RFC 7519 §4.1),
// then the scope a route needs, and answers a refusal as RFC 6750 §3 says.
// The overlay network is not a trust boundary: each service checks the
// token itself, as the edge does.
//
// JWT and JWKS handling is github.com/lestrrat-go/jwx/v3 (MIT), its jwk.Cache
// keeping the key set; this package holds the policy: which algorithm, which
// claims, which scopes, which paths stay open, and what a refusal looks like.
package bearer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
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
	parse  []jwt.ParseOption
	log    logrus.FieldLogger
}

// Option tunes New; tests use them.
type Option func(*options)

type options struct {
	client        *http.Client
	now           func() time.Time
	unknownKIDGap time.Duration
}

// WithHTTPClient fetches the key set with client (default: FetchTimeout,
// no cookies, Go's default transport).
func WithHTTPClient(client *http.Client) Option { return func(o *options) { o.client = client } }

// WithClock makes now the time of the rate limit on refetches for an
// unknown kid (RefreshOnUnknownKID). Token times are checked against the
// real clock.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// New returns the Guard of settings and rules. With tokens not required it
// logs a warning that they are not checked, and its Middleware lets every
// request through. Otherwise it starts fetching the key set in the
// background (a service starts before the authorization server does, and
// answers 401 until the keys are there); ctx bounds the fetching as a whole.
// An error: the settings lack the key source, a rule is not a valid pattern
// (or two collide), or the cache does not start.
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
		now:           time.Now,
		unknownKIDGap: RefreshOnUnknownKID,
	}
	for _, opt := range opts {
		opt(&o)
	}
	g.keys, err = newKeySet(ctx, s.JWKSURL, o.client, o.now, o.unknownKIDGap, log)
	if err != nil {
		return nil, err
	}
	g.parse = []jwt.ParseOption{
		jwt.WithKeyProvider(jws.KeyProviderFunc(g.provideKey)),
		jwt.WithIssuer(s.Issuer),
		jwt.WithAcceptableSkew(s.ClockSkew),
		jwt.WithRequiredClaim(jwt.ExpirationKey),
	}
	if s.Audience != "" {
		g.parse = append(g.parse, jwt.WithAudience(s.Audience))
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
	if g.keys == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), FetchTimeout)
	defer cancel()
	return g.keys.close(ctx)
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

// Verify checks raw, a JWS compact serialization: an RS256 signature by a key
// of the set named by its "kid", then the claims. The error says why, for
// the log only: the client is told invalid_token whatever it is.
func (g *Guard) Verify(ctx context.Context, raw string) (Token, error) {
	if g.keys == nil {
		return Token{}, errors.New("bearer: token checking is off")
	}
	parsed, err := jwt.ParseString(raw, append(g.parse, jwt.WithContext(ctx))...)
	if err != nil {
		return Token{}, &tokenError{err: err}
	}
	t := Token{Raw: raw, Scopes: scopesOf(parsed)}
	t.Subject, _ = parsed.Subject()
	t.Expiry, _ = parsed.Expiration()
	return t, nil
}

// provideKey is the jws.KeyProvider of Verify: RS256 only (RFC 8725 §3.1:
// the algorithm is ours to choose, never the token's), with the key its
// "kid" names.
func (g *Guard) provideKey(ctx context.Context, sink jws.KeySink, sig *jws.Signature, _ *jws.Message) error {
	h := sig.ProtectedHeaders()
	alg, ok := h.Algorithm()
	if !ok || alg.String() != jwa.RS256().String() {
		return fmt.Errorf("algorithm %q is not RS256", alg.String())
	}
	kid, _ := h.KeyID()
	key, err := g.keys.key(ctx, kid)
	if err != nil {
		return err
	}
	sink.Key(jwa.RS256(), key)
	return nil
}

// scopesOf reads "scope" (RFC 9068 §2.2.3.1: space-separated; Spring
// Authorization Server writes a JSON array), else "scp", as Spring
// Security's JwtGrantedAuthoritiesConverter does.
func scopesOf(t jwt.Token) []string {
	for _, name := range []string{"scope", "scp"} {
		var v any
		if err := t.Get(name, &v); err != nil {
			continue
		}
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
	logging.WithContext(g.log, r.Context()).WithFields(logrus.Fields{
		"method": r.Method, "path": r.URL.Path, "reason": err.Error(),
	}).Debug("request refused: access token")

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
