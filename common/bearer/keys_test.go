package bearer_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/goblog/common/bearer"
	"github.com/goblog/common/bearer/bearertest"
)

// TestUnusableKeys: a key in the set verifies nothing unless it is an RSA
// key of 2048 bits or more whose "use" and "alg", when present, allow RS256
// signatures.
func TestUnusableKeys(t *testing.T) {
	b64 := base64.RawURLEncoding.EncodeToString
	rsaKey := func(bits int) *rsa.PrivateKey {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	jwk := func(kid string, k *rsa.PrivateKey, extra map[string]any) map[string]any {
		m := map[string]any{"kty": "RSA", "kid": kid, "n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())}
		for name, v := range extra {
			m[name] = v
		}
		return m
	}
	short, good := rsaKey(1024), rsaKey(2048)
	set := map[string]any{"keys": []any{
		jwk("short", short, nil),
		jwk("enc", good, map[string]any{"use": "enc"}),
		jwk("rs512", good, map[string]any{"alg": "RS512"}),
		map[string]any{"kty": "oct", "kid": "oct", "k": b64([]byte("a shared secret of thirty-two bytes"))},
		jwk("good", good, nil),
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(set)
	}))
	defer srv.Close()

	log, _ := logtest.NewNullLogger()
	log.SetLevel(logrus.DebugLevel)
	g, err := bearer.New(context.Background(), bearer.Settings{Required: true, Issuer: "https://auth.test", JWKSURL: srv.URL, ClockSkew: time.Minute}, nil, log)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()

	sign := func(kid string, key *rsa.PrivateKey) string {
		now := time.Now()
		input := bearertest.Encode(t, map[string]any{"alg": "RS256", "kid": kid}) + "." +
			bearertest.Encode(t, map[string]any{"iss": "https://auth.test", "exp": now.Add(time.Minute).Unix(), "iat": now.Unix()})
		digest := sha256.Sum256([]byte(input))
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		return input + "." + b64(sig)
	}
	if _, err := g.Verify(context.Background(), sign("good", good)); err != nil {
		t.Fatalf("the good key: %v", err)
	}
	for _, c := range []struct {
		kid string
		key *rsa.PrivateKey
	}{{"short", short}, {"enc", good}, {"rs512", good}, {"oct", good}} {
		if _, err := g.Verify(context.Background(), sign(c.kid, c.key)); err == nil {
			t.Errorf("a token under key %q verified", c.kid)
		}
	}
}
