//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	. "github.com/smartystreets/goconvey/convey"
)

// The auth-server's fixed issuer and audience (support/auth-server/README.md).
const (
	authIssuer   = "https://localhost:8765"
	authAudience = "goblog"
)

// 15. The auth-server issues RS256 tokens that verify against its JWKS, refuses the read-only
// client account:write, and keeps its key across a restart: a token issued before
// `docker service update --force auth-server` still verifies against the JWKS after it.
func TestAuthServerTokens(t *testing.T) {
	Convey("Given a token from `make token` (deploy/token.sh) for the machine client", t, func() {
		token, err := stackToken("goblog-machine", "account:read account:write")
		So(err, ShouldBeNil)
		jwks, err := authJWKS()
		So(err, ShouldBeNil)

		Convey("it is RS256, signed by a key of the JWKS, with both scopes, the issuer, the audience and a 5-minute life", func() {
			claims, err := verifyRS256(token, jwks)
			So(err, ShouldBeNil)
			So(claims["iss"], ShouldEqual, authIssuer)
			So(claims["aud"], ShouldEqual, authAudience)
			So(claims["sub"], ShouldEqual, "goblog-machine")
			So(claims["scope"], ShouldEqual, "account:read account:write")
			So(claims["exp"].(float64)-claims["iat"].(float64), ShouldEqual, 300)
		})

		Convey("the read-only client gets account:read and is refused account:write", func() {
			read, err := stackToken("goblog-reader", "account:read")
			So(err, ShouldBeNil)
			claims, err := verifyRS256(read, jwks)
			So(err, ShouldBeNil)
			So(claims["scope"], ShouldEqual, "account:read")

			_, err = stackToken("goblog-reader", "account:read account:write")
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "invalid_scope")
		})

		Convey("When docker service update --force restarts the auth-server", func() {
			svc := "auth-server"
			before, err := updateState(svc)
			So(err, ShouldBeNil)
			_, err = docker(60*time.Second, "service", "update", "--force", "--detach", serviceName(svc))
			So(err, ShouldBeNil)
			So(waitUpdate(svc, before, 5*time.Minute), ShouldBeNil)

			Convey("the JWKS is the same and the token issued before still verifies", func() {
				after, err := authJWKS()
				So(err, ShouldBeNil)
				So(after, ShouldResemble, jwks)
				_, err = verifyRS256(token, after)
				So(err, ShouldBeNil)
			})
		})
	})
}

// stackToken runs deploy/token.sh against the stack and returns the bare token (its stdout); an
// error carries the script's standard error (e.g. the server's {"error":"invalid_scope"}).
func stackToken(client, scope string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "../deploy/token.sh")
	cmd.Env = append(os.Environ(), "TOKEN_FROM=stack", "GOBLOG_STACK="+stack,
		"TOKEN_CLIENT="+client, "TOKEN_SCOPE="+scope)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("deploy/token.sh for %s (%s): %w: %s", client, scope, err, strings.TrimSpace(stderr.String()))
	}
	token := strings.TrimSpace(stdout.String())
	if strings.Count(token, ".") != 2 || strings.ContainsAny(token, " \n") {
		return "", fmt.Errorf("deploy/token.sh printed %q, not a bare JWT", token)
	}
	return token, nil
}

// jwk is one RSA public key of a JWKS (RFC 7517, RFC 7518 §6.3).
type jwk struct {
	Kty, Kid, Alg, Use, N, E string
}

// authJWKS reads the auth-server's JWKS inside the overlay network.
func authJWKS() ([]jwk, error) {
	status, body, err := probe.http("GET", "auth-server", 9999, "/oauth2/jwks", "")
	if err != nil {
		return nil, err
	}
	if status != 200 {
		return nil, fmt.Errorf("GET /oauth2/jwks: %d %s", status, body)
	}
	var set struct{ Keys []jwk }
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("GET /oauth2/jwks: %w: %s", err, body)
	}
	return set.Keys, nil
}

// verifyRS256 checks a JWT's RS256 signature (RFC 7515, RSASSA-PKCS1-v1_5 with SHA-256) with the
// key of the JWKS its kid names, and returns its claims. Only the signature: the claims are the
// caller's to check.
func verifyRS256(token string, keys []jwk) (map[string]any, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errors.New("not a JWS compact serialization")
	}
	var header struct{ Alg, Kid string }
	if err := decodeSegment(parts[0], &header); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	if header.Alg != "RS256" {
		return nil, fmt.Errorf("alg %q, want RS256", header.Alg)
	}
	var key *jwk
	for i := range keys {
		if keys[i].Kid == header.Kid {
			key = &keys[i]
		}
	}
	if key == nil || key.Kty != "RSA" {
		return nil, fmt.Errorf("kid %q is not an RSA key of the JWKS", header.Kid)
	}
	n, errN := base64.RawURLEncoding.DecodeString(key.N)
	e, errE := base64.RawURLEncoding.DecodeString(key.E)
	sig, errS := base64.RawURLEncoding.DecodeString(parts[2])
	if err := errors.Join(errN, errE, errS); err != nil {
		return nil, err
	}
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		return nil, fmt.Errorf("signature: %w", err)
	}
	var claims map[string]any
	if err := decodeSegment(parts[1], &claims); err != nil {
		return nil, fmt.Errorf("claims: %w", err)
	}
	return claims, nil
}

func decodeSegment(seg string, v any) error {
	raw, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}
