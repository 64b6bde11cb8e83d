//go:build e2e

package e2e

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/goblog/systest"
	. "github.com/smartystreets/goconvey/convey"
)

// The auth-server's signing key, made per deployment (support/auth-server/auth-secrets.sh): the
// suite signs tokens with it that are wrong on purpose (expired, not yet valid, another issuer).
var signingKeyFile = env("E2E_AUTH_SIGNING_KEY_FILE", "../.secrets/auth_signing_key.pem")

// Issue 11: through the edge, every bad token is refused with the RFC 6750 challenge, a read-only
// token may read but not create, and the suite's own token reads.
func TestBadTokensThroughTheEdge(t *testing.T) {
	Convey("Given the edge, which checks access tokens", t, func() {
		key, err := authSigningKey()
		So(err, ShouldBeNil)
		now := time.Now()
		valid := map[string]any{"iss": authIssuer, "aud": authAudience, "sub": "e2e", "scope": "account:read account:write",
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
		with := func(k string, v any) map[string]any {
			c := map[string]any{}
			for kk, vv := range valid {
				c[kk] = vv
			}
			c[k] = v
			return c
		}
		stranger, err := rsa.GenerateKey(rand.Reader, 2048)
		So(err, ShouldBeNil)
		good := mint(key, kidOf(&key.PublicKey), valid)
		parts := strings.Split(good, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		payload[len(payload)/2] ^= 1

		Convey("a token the suite signs with the deployment's key reads (the test's own tokens are right)", func() {
			status, _, _ := readWith("Bearer " + good)
			So(status, ShouldEqual, http.StatusOK)
		})

		Convey("no token is 401 with a bare Bearer challenge", func() {
			status, header, _ := readWith("")
			So(status, ShouldEqual, http.StatusUnauthorized)
			So(header.Get("WWW-Authenticate"), ShouldEqual, `Bearer realm="goblog"`)
		})

		for _, bad := range []struct{ what, token string }{
			{"garbage", "garbage"},
			{"expired", mint(key, kidOf(&key.PublicKey), with("exp", now.Add(-10*time.Minute).Unix()))},
			{"nbf in the future", mint(key, kidOf(&key.PublicKey), with("nbf", now.Add(10*time.Minute).Unix()))},
			{"another issuer", mint(key, kidOf(&key.PublicKey), with("iss", "https://evil.example"))},
			{"another audience", mint(key, kidOf(&key.PublicKey), with("aud", "other"))},
			{"signed by another key under the real kid", mint(stranger, kidOf(&key.PublicKey), valid)},
			{"an unknown kid", mint(stranger, kidOf(&stranger.PublicKey), valid)},
			{"one payload byte changed", parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]},
			{"alg none", seg(map[string]any{"alg": "none"}) + "." + seg(valid) + "."},
			{"HS256 with the public key as the HMAC secret", hs256(publicKeyPEM(&key.PublicKey), kidOf(&key.PublicKey), valid)},
		} {
			Convey("a token "+bad.what+" is 401 invalid_token", func() {
				status, header, body := readWith("Bearer " + bad.token)
				So(status, ShouldEqual, http.StatusUnauthorized)
				So(header.Get("WWW-Authenticate"), ShouldEqual, `Bearer realm="goblog", error="invalid_token"`)
				So(body, ShouldEqual, `{"error":"invalid access token"}`)
			})
		}

		Convey("the read-only client's token, fetched through the edge, reads but does not create (403)", func() {
			secret, err := os.ReadFile("../.secrets/auth_client_secret_goblog-reader")
			So(err, ShouldBeNil)
			reader, err := systest.EdgeTokens(t.Context(), http.DefaultTransport, edgeURL, "goblog-reader",
				strings.TrimSpace(string(secret)), "account:read").Token()
			So(err, ShouldBeNil)
			status, _, _ := readWith("Bearer " + reader.AccessToken)
			So(status, ShouldEqual, http.StatusOK)

			req, err := http.NewRequest(http.MethodPost, edgeURL+"/api/accounts", strings.NewReader(`{"name":"nope"}`))
			So(err, ShouldBeNil)
			req.Header.Set("Authorization", "Bearer "+reader.AccessToken)
			req.Header.Set("Content-Type", "application/json")
			resp, err := httpClient.Do(req)
			So(err, ShouldBeNil)
			defer resp.Body.Close()
			So(resp.StatusCode, ShouldEqual, http.StatusForbidden)
			So(resp.Header.Get("WWW-Authenticate"), ShouldEqual,
				`Bearer realm="goblog", error="insufficient_scope", scope="account:write"`)
		})
	})
}

// readWith GETs the VIP account through the edge with the given Authorization header (none when
// empty) and returns status, headers and body.
func readWith(authorization string) (int, http.Header, string) {
	req, err := http.NewRequest(http.MethodGet, edgeURL+"/api/accounts/"+vipAccount, nil)
	So(err, ShouldBeNil)
	client := httpClient
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	} else {
		// The suite's default transport would add its token.
		client = &http.Client{Timeout: 10 * time.Second, Transport: tokenlessTransport}
	}
	resp, err := client.Do(req)
	So(err, ShouldBeNil)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

func authSigningKey() (*rsa.PrivateKey, error) {
	raw, err := os.ReadFile(signingKeyFile)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(raw)
	if block == nil {
		return nil, errors.New(signingKeyFile + ": no PEM block")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New(signingKeyFile + ": not an RSA key")
	}
	return rk, nil
}

// kidOf is the key's RFC 7638 thumbprint, the kid the auth-server gives it.
func kidOf(pub *rsa.PublicKey) string {
	b64 := base64.RawURLEncoding.EncodeToString
	e := b64(big.NewInt(int64(pub.E)).Bytes())
	sum := sha256.Sum256([]byte(`{"e":"` + e + `","kty":"RSA","n":"` + b64(pub.N.Bytes()) + `"}`))
	return b64(sum[:])
}

func seg(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// mint is an RS256 JWS of claims, signed by key, with kid in its header.
func mint(key *rsa.PrivateKey, kid string, claims map[string]any) string {
	input := seg(map[string]any{"alg": "RS256", "kid": kid}) + "." + seg(claims)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// hs256 is an HS256 JWS of claims with secret as the HMAC key: signed with the public key's PEM,
// it is the algorithm-confusion attack (RFC 8725 §2.1) on a verifier that lets the token choose.
func hs256(secret []byte, kid string, claims map[string]any) string {
	input := seg(map[string]any{"alg": "HS256", "kid": kid}) + "." + seg(claims)
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// publicKeyPEM is pub as the PEM "PUBLIC KEY" (PKIX) block a JWKS client could turn it into.
func publicKeyPEM(pub *rsa.PublicKey) []byte {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		panic(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
