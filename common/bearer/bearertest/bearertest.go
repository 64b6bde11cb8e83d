// Package bearertest is an authorization server for tests: RSA keys made in
// the test, their JSON Web Key Set served over real HTTP (httptest), and
// access tokens signed with them, valid or broken on purpose.
package bearertest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/mux"

	"github.com/goblog/common/bearer"
)

// Issuer signs tokens and serves the JWKS of its published keys at
// JWKSURL; its "iss" is Issuer.
type Issuer struct {
	// Issuer is the "iss" of the tokens Token makes.
	Issuer string
	// JWKSURL serves the published keys (GET, application/json).
	JWKSURL string

	mu        sync.Mutex
	keys      map[string]*rsa.PrivateKey
	published []string // kids in the JWKS
	current   string   // the kid Sign uses
	fetches   atomic.Int64
}

// NewIssuer starts an Issuer with one published key, "key-1"; the test's
// cleanup stops its server.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	i := &Issuer{keys: map[string]*rsa.PrivateKey{}}
	srv := httptest.NewServer(http.HandlerFunc(i.serveJWKS))
	t.Cleanup(srv.Close)
	i.Issuer = srv.URL
	i.JWKSURL = srv.URL + "/oauth2/jwks"
	i.AddKey(t, "key-1", true)
	return i
}

// Settings are the settings of a service that requires this Issuer's tokens.
func (i *Issuer) Settings() bearer.Settings {
	return bearer.Settings{Required: true, Issuer: i.Issuer, JWKSURL: i.JWKSURL, ClockSkew: bearer.DefaultClockSkew}
}

// AddKey makes a new 2048-bit RSA key named kid, the one Sign uses from now
// on, in the JWKS when publish is true.
func (i *Issuer) AddKey(t testing.TB, kid string, publish bool) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatalf("generating an RSA key: %v", err)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.keys[kid] = key
	i.current = kid
	if publish {
		i.published = append(i.published, kid)
	}
}

// Publish adds the key kid to the JWKS.
func (i *Issuer) Publish(kid string) {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.published = append(i.published, kid)
}

// PublicKey is the public key kid.
func (i *Issuer) PublicKey(kid string) *rsa.PublicKey {
	i.mu.Lock()
	defer i.mu.Unlock()
	return &i.keys[kid].PublicKey
}

// Fetches counts the GETs of the JWKS so far.
func (i *Issuer) Fetches() int { return int(i.fetches.Load()) }

// Claims are valid claims with scopes: this Issuer's "iss", "sub" "test-client",
// issued now, expiring in five minutes. Tests change them to break a token.
func (i *Issuer) Claims(scopes ...string) map[string]any {
	now := time.Now()
	return map[string]any{
		"iss":   i.Issuer,
		"sub":   "test-client",
		"iat":   now.Unix(),
		"nbf":   now.Unix(),
		"exp":   now.Add(5 * time.Minute).Unix(),
		"scope": scopes,
	}
}

// Token is a valid access token with scopes.
func (i *Issuer) Token(t testing.TB, scopes ...string) string {
	return i.Sign(t, nil, i.Claims(scopes...))
}

// Header is the JOSE header Sign writes: RS256 and the current key's kid.
func (i *Issuer) Header() map[string]any {
	i.mu.Lock()
	defer i.mu.Unlock()
	return map[string]any{"alg": "RS256", "typ": "JWT", "kid": i.current}
}

// Sign returns the JWS compact serialization of claims under header (nil:
// Header()), signed RS256 with the current key whatever header says.
func (i *Issuer) Sign(t testing.TB, header, claims map[string]any) string {
	t.Helper()
	if header == nil {
		header = i.Header()
	}
	i.mu.Lock()
	key := i.keys[i.current]
	i.mu.Unlock()
	input := Encode(t, header) + "." + Encode(t, claims)
	digest := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// Encode is the base64url (no padding) of v as JSON: one part of a JWS.
func Encode(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encoding %v: %v", v, err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// jwk is one RSA public key of the set (RFC 7518 §6.3.1).
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	N   string `json:"n"`
	E   string `json:"e"`
}

func (i *Issuer) serveJWKS(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/oauth2/jwks" {
		http.NotFound(w, r)
		return
	}
	i.fetches.Add(1)
	i.mu.Lock()
	keys := make([]jwk, 0, len(i.published))
	for _, kid := range i.published {
		pub := i.keys[kid].PublicKey
		keys = append(keys, jwk{
			Kty: "RSA", Kid: kid, Use: "sig", Alg: "RS256",
			N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		})
	}
	i.mu.Unlock()
	body, _ := json.Marshal(map[string]any{"keys": keys})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}

// CheckRules fails t unless every route of router, with each method it
// serves, is open (bearer.IsOpen), has a scope in rules, or is one of
// tokenOnly ("GET /testability/healthy/{state}": any valid token will do).
// HEAD is covered by the GET rule, OPTIONS needs no scope. Call it once the
// router is complete, so a route added without a rule fails the service's
// tests instead of answering any token holder.
func CheckRules(t testing.TB, router *mux.Router, rules bearer.Rules, tokenOnly ...string) {
	t.Helper()
	checked := 0
	err := router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil {
			return nil // a route without a path (a subrouter's)
		}
		methods, err := route.GetMethods()
		if err != nil {
			return nil
		}
		for _, m := range methods {
			pattern := m + " " + tpl
			switch {
			case m == http.MethodOptions, bearer.IsOpen(tpl), slices.Contains(tokenOnly, pattern):
			case m == http.MethodHead && rules[http.MethodGet+" "+tpl] != "":
			case rules[pattern] != "":
			default:
				t.Errorf("route %s has no scope rule: add it to the service's AuthRules, or list it as open or token-only", pattern)
			}
			checked++
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking the routes: %v", err)
	}
	if checked == 0 {
		t.Fatal("no route with a path and methods: is the router complete?")
	}
}
