package bearer_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
	. "github.com/smartystreets/goconvey/convey"

	"github.com/goblog/common/bearer"
	"github.com/goblog/common/bearer/bearertest"
)

// The routes of accountservice, as its wiring declares them.
var accountRules = bearer.Rules{
	"GET /accounts/{id}": bearer.ScopeRead,
	"POST /accounts":     bearer.ScopeWrite,
}

// fixture is a Guard in front of a handler that answers 200 with the
// token's subject and scopes, and the log it writes.
type fixture struct {
	issuer  *bearertest.Issuer
	logs    *logtest.Hook
	handler http.Handler
}

func newFixture(t *testing.T, tweak func(*bearer.Settings), opts ...bearer.Option) *fixture {
	t.Helper()
	f := &fixture{issuer: bearertest.NewIssuer(t)}
	log, hook := logtest.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	f.logs = hook
	s := f.issuer.Settings()
	if tweak != nil {
		tweak(&s)
	}
	g, err := bearer.New(context.Background(), s, accountRules, log, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = g.Close() })
	f.handler = g.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := bearer.TokenFrom(r.Context())
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"sub": tok.Subject, "scopes": tok.Scopes})
	}))
	return f
}

// do sends method path with the Authorization header value auth ("": none).
func (f *fixture) do(method, path string, auth ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	rec := httptest.NewRecorder()
	f.handler.ServeHTTP(rec, req)
	return rec
}

// errorBody is the JSON error of a refusal.
func errorBody(rec *httptest.ResponseRecorder) string {
	var body struct{ Error string }
	So(rec.Header().Get("Content-Type"), ShouldEqual, "application/json")
	So(json.Unmarshal(rec.Body.Bytes(), &body), ShouldBeNil)
	So(body.Error, ShouldNotBeBlank)
	return body.Error
}

// tamper decodes the payload of token, lets change edit it, and puts it back
// with the original signature.
func tamper(t *testing.T, token string, change func(payload []byte) []byte) string {
	parts := strings.Split(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(change(payload))
	return strings.Join(parts, ".")
}

func bearerOf(token string) string { return "Bearer " + token }

const invalidToken = `Bearer realm="goblog", error="invalid_token"`

func TestGuard(t *testing.T) {
	Convey("Given a service requiring tokens of a real authorization server (JWKS over HTTP)", t, func() {
		f := newFixture(t, nil)
		iss := f.issuer

		Convey("a valid read token reads an account, its claims on the request context", func() {
			rec := f.do("GET", "/accounts/10000", bearerOf(iss.Token(t, bearer.ScopeRead)))
			So(rec.Code, ShouldEqual, http.StatusOK)
			So(rec.Body.String(), ShouldContainSubstring, `"sub":"test-client"`)
			So(rec.Body.String(), ShouldContainSubstring, `"scopes":["account:read"]`)
			Convey("and HEAD needs the GET rule's scope, which it has", func() {
				So(f.do("HEAD", "/accounts/10000", bearerOf(iss.Token(t, bearer.ScopeRead))).Code, ShouldEqual, http.StatusOK)
			})
		})

		Convey("the scheme's case does not matter (RFC 9110 §11.1) and a scope string is split on spaces (RFC 9068)", func() {
			claims := iss.Claims()
			claims["scope"] = "account:read account:write"
			rec := f.do("POST", "/accounts", "bEaReR  "+iss.Sign(t, nil, claims))
			So(rec.Code, ShouldEqual, http.StatusOK)
		})

		Convey("the key set is fetched once, not per request", func() {
			for range 5 {
				So(f.do("GET", "/accounts/1", bearerOf(iss.Token(t, bearer.ScopeRead))).Code, ShouldEqual, http.StatusOK)
			}
			So(iss.Fetches(), ShouldEqual, 1)
		})

		Convey("no token: 401 with the bare challenge, no error code (RFC 6750 §3.1)", func() {
			for _, auth := range [][]string{nil, {"Basic dXNlcjpwYXNz"}} {
				rec := f.do("GET", "/accounts/10000", auth...)
				So(rec.Code, ShouldEqual, http.StatusUnauthorized)
				So(rec.Header().Get("WWW-Authenticate"), ShouldEqual, `Bearer realm="goblog"`)
				So(errorBody(rec), ShouldStartWith, "authentication required")
			}
		})

		Convey("two Authorization headers: 400 invalid_request", func() {
			tok := bearerOf(iss.Token(t, bearer.ScopeRead))
			rec := f.do("GET", "/accounts/10000", tok, tok)
			So(rec.Code, ShouldEqual, http.StatusBadRequest)
			So(rec.Header().Get("WWW-Authenticate"), ShouldEqual, `Bearer realm="goblog", error="invalid_request"`)
		})

		Convey("every bad token gets 401 invalid_token, the same body, nothing logged above debug", func() {
			now := time.Now()
			with := func(edit func(c map[string]any)) string {
				c := iss.Claims(bearer.ScopeRead)
				edit(c)
				return iss.Sign(t, nil, c)
			}
			valid := iss.Token(t, bearer.ScopeRead)
			hmacWithPublicKey := func() string {
				der, err := x509.MarshalPKIXPublicKey(iss.PublicKey("key-1"))
				So(err, ShouldBeNil)
				secret := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
				input := bearertest.Encode(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": "key-1"}) + "." +
					bearertest.Encode(t, iss.Claims(bearer.ScopeRead))
				mac := hmac.New(sha256.New, secret)
				mac.Write([]byte(input))
				return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
			}
			otherIssuer := bearertest.NewIssuer(t) // its own key, also named key-1
			otherClaims := otherIssuer.Claims(bearer.ScopeRead)
			otherClaims["iss"] = iss.Issuer

			for _, c := range []struct{ name, auth string }{
				{"garbage", "Bearer garbage"},
				{"not a b64token", "Bearer {not-a-token}"},
				{"empty", "Bearer "},
				{"expired", bearerOf(with(func(c map[string]any) {
					c["iat"], c["nbf"], c["exp"] = now.Add(-3*time.Hour).Unix(), now.Add(-3*time.Hour).Unix(), now.Add(-2*time.Hour).Unix()
				}))},
				{"expired by more than the skew", bearerOf(with(func(c map[string]any) { c["exp"] = now.Add(-bearer.DefaultClockSkew - 5*time.Second).Unix() }))},
				{"nbf in the future", bearerOf(with(func(c map[string]any) { c["nbf"] = now.Add(time.Hour).Unix() }))},
				{"wrong iss", bearerOf(with(func(c map[string]any) { c["iss"] = "https://evil.example" }))},
				{"iss differing in a trailing slash", bearerOf(with(func(c map[string]any) { c["iss"] = iss.Issuer + "/" }))},
				{"no iss", bearerOf(with(func(c map[string]any) { delete(c, "iss") }))},
				{"no exp", bearerOf(with(func(c map[string]any) { delete(c, "exp") }))},
				{"alg none", bearerOf(bearertest.Encode(t, map[string]any{"alg": "none", "typ": "JWT"}) + "." +
					bearertest.Encode(t, iss.Claims(bearer.ScopeRead)) + ".")},
				{"alg none with a kid", bearerOf(bearertest.Encode(t, map[string]any{"alg": "none", "kid": "key-1"}) + "." +
					bearertest.Encode(t, iss.Claims(bearer.ScopeRead)) + ".")},
				{"HS256 signed with the public key as HMAC secret", bearerOf(hmacWithPublicKey())},
				{"RS512 header on an RS256 signature", bearerOf(iss.Sign(t, map[string]any{"alg": "RS512", "kid": "key-1"}, iss.Claims(bearer.ScopeRead)))},
				{"no kid", bearerOf(iss.Sign(t, map[string]any{"alg": "RS256"}, iss.Claims(bearer.ScopeRead)))},
				{"one payload byte changed", bearerOf(tamper(t, valid, func(p []byte) []byte {
					return []byte(strings.Replace(string(p), "test-client", "test-clienu", 1))
				}))},
				{"signature cut", bearerOf(valid[:len(valid)-4])},
				{"signed by another key with a published kid", bearerOf(otherIssuer.Sign(t, nil, otherClaims))},
			} {
				Convey(c.name, func() {
					rec := f.do("GET", "/accounts/10000", c.auth)
					So(rec.Code, ShouldEqual, http.StatusUnauthorized)
					So(rec.Header().Get("WWW-Authenticate"), ShouldEqual, invalidToken)
					So(errorBody(rec), ShouldEqual, "invalid access token")
					for _, e := range f.logs.AllEntries() {
						So(e.Level, ShouldBeGreaterThanOrEqualTo, logrus.InfoLevel) // info or debug only
					}
					So(f.logs.LastEntry().Level, ShouldEqual, logrus.DebugLevel)
					So(f.logs.LastEntry().Data["reason"], ShouldNotBeBlank)
				})
			}
		})

		Convey("a read-only token on POST: 403 insufficient_scope naming the scope", func() {
			rec := f.do("POST", "/accounts", bearerOf(iss.Token(t, bearer.ScopeRead)))
			So(rec.Code, ShouldEqual, http.StatusForbidden)
			So(rec.Header().Get("WWW-Authenticate"), ShouldEqual, `Bearer realm="goblog", error="insufficient_scope", scope="account:write"`)
			So(errorBody(rec), ShouldEqual, "insufficient scope: account:write required")
		})

		Convey("a write-only token cannot read", func() {
			So(f.do("GET", "/accounts/1", bearerOf(iss.Token(t, bearer.ScopeWrite))).Code, ShouldEqual, http.StatusForbidden)
		})

		Convey("a path without a rule needs a valid token, no scope", func() {
			So(f.do("OPTIONS", "/accounts/1").Code, ShouldEqual, http.StatusUnauthorized)
			So(f.do("OPTIONS", "/accounts/1", bearerOf(iss.Token(t))).Code, ShouldEqual, http.StatusOK)
		})

		Convey("the open paths need no token", func() {
			for _, p := range []string{"/health", "/health/live", "/info", "/metrics"} {
				So(f.do("GET", p).Code, ShouldEqual, http.StatusOK)
			}
			So(f.do("GET", "/health/other").Code, ShouldEqual, http.StatusUnauthorized)
			So(f.do("GET", "/metrics/../accounts/1").Code, ShouldEqual, http.StatusUnauthorized)
		})

		Convey("a token signed with a key the set lacks makes one refetch, then at most one per interval", func() {
			iss.AddKey(t, "key-2", false) // signs, not published yet
			So(iss.Fetches(), ShouldEqual, 1)

			So(f.do("GET", "/accounts/1", bearerOf(iss.Token(t, bearer.ScopeRead))).Code, ShouldEqual, http.StatusUnauthorized)
			So(iss.Fetches(), ShouldEqual, 2)
			for range 10 { // a stream of unknown kids costs the server nothing more
				So(f.do("GET", "/accounts/1", bearerOf(iss.Token(t, bearer.ScopeRead))).Code, ShouldEqual, http.StatusUnauthorized)
			}
			So(iss.Fetches(), ShouldEqual, 2)
		})
	})

	Convey("Given a service whose key set may be fetched again for an unknown kid every 200 ms", t, func() {
		const gap = 200 * time.Millisecond
		f := newFixture(t, nil, bearer.WithUnknownKIDInterval(gap))
		iss := f.issuer
		iss.AddKey(t, "key-2", false) // signs, not published yet
		So(f.do("GET", "/accounts/1", bearerOf(iss.Token(t, bearer.ScopeRead))).Code, ShouldEqual, http.StatusUnauthorized)
		So(iss.Fetches(), ShouldEqual, 2)

		Convey("once the key is published (a rotation), its tokens pass after the interval, and the next ones fetch nothing", func() {
			iss.Publish("key-2")
			deadline := time.Now().Add(10 * time.Second)
			code := 0
			for code != http.StatusOK && time.Now().Before(deadline) {
				code = f.do("GET", "/accounts/1", bearerOf(iss.Token(t, bearer.ScopeRead))).Code
			}
			So(code, ShouldEqual, http.StatusOK)
			fetches := iss.Fetches()
			So(f.do("GET", "/accounts/1", bearerOf(iss.Token(t, bearer.ScopeRead))).Code, ShouldEqual, http.StatusOK)
			So(iss.Fetches(), ShouldEqual, fetches)
		})
	})

	Convey("Given a service that requires an audience", t, func() {
		f := newFixture(t, func(s *bearer.Settings) { s.Audience = "accountservice" })
		iss := f.issuer
		token := func(aud any) string {
			c := iss.Claims(bearer.ScopeRead)
			if aud != nil {
				c["aud"] = aud
			}
			return bearerOf(iss.Sign(t, nil, c))
		}
		So(f.do("GET", "/accounts/1", token("accountservice")).Code, ShouldEqual, http.StatusOK)
		So(f.do("GET", "/accounts/1", token([]string{"edge", "accountservice"})).Code, ShouldEqual, http.StatusOK)
		for _, aud := range []any{"imageservice", []string{"edge"}, nil} {
			rec := f.do("GET", "/accounts/1", token(aud))
			So(rec.Code, ShouldEqual, http.StatusUnauthorized)
			So(rec.Header().Get("WWW-Authenticate"), ShouldEqual, invalidToken)
		}
	})

	Convey("Given the authorization server is not up when the service starts", t, func() {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close() // nothing listens there
		log, hook := logtest.NewNullLogger()
		g, err := bearer.New(context.Background(), bearer.Settings{Required: true, Issuer: "https://auth", JWKSURL: srv.URL}, accountRules, log)
		So(err, ShouldBeNil)
		defer g.Close()
		Convey("it starts, and refuses tokens with 401 invalid_token, not a 5xx", func() {
			h := g.Middleware(http.NotFoundHandler())
			req := httptest.NewRequest("GET", "/accounts/1", nil)
			req.Header.Set("Authorization", "Bearer a.b.c")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			So(rec.Code, ShouldEqual, http.StatusUnauthorized)
			for _, e := range hook.AllEntries() {
				So(e.Level, ShouldBeGreaterThan, logrus.ErrorLevel)
			}
		})
	})

	Convey("Given token checking is off", t, func() {
		log, hook := logtest.NewNullLogger()
		g, err := bearer.New(context.Background(), bearer.Settings{}, accountRules, log)
		So(err, ShouldBeNil)
		So(g.Checking(), ShouldBeFalse)
		Convey("the start says so loudly, and every request passes", func() {
			So(hook.LastEntry().Level, ShouldEqual, logrus.WarnLevel)
			So(hook.LastEntry().Message, ShouldContainSubstring, "NOT CHECKED")
			rec := httptest.NewRecorder()
			g.Middleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })).
				ServeHTTP(rec, httptest.NewRequest("POST", "/accounts", nil))
			So(rec.Code, ShouldEqual, http.StatusNoContent)
		})
	})

	Convey("New refuses settings requiring tokens without a key source, and bad rules", t, func() {
		log, _ := logtest.NewNullLogger()
		_, err := bearer.New(context.Background(), bearer.Settings{Required: true}, accountRules, log)
		So(err, ShouldNotBeNil)
		_, err = bearer.New(context.Background(), bearer.Settings{}, bearer.Rules{"GET /a/{": bearer.ScopeRead}, log)
		So(err, ShouldNotBeNil)
	})
}
