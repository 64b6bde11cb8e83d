package bearer

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/sirupsen/logrus"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
)

// Timing of the key set, as Spring Security's JWKS source (Nimbus JOSE)
// does it: the set is fetched at start, again every RefreshInterval, and at
// once for a token whose "kid" it lacks (a rotated key), at most once per
// RefreshOnUnknownKID. The fetching, caching and rate limiting are
// github.com/MicahParks/jwkset's (its HTTP storage and client); this file
// chooses the timing and which keys may verify a token.
const (
	// RefreshInterval is how long a fetched set is used before the
	// background fetch replaces it (Spring's NimbusJwtDecoder caches it 5
	// minutes). A key the server dropped (revoked) is gone with it.
	RefreshInterval = 5 * time.Minute
	// RefreshOnUnknownKID is the least time between two fetches caused by an
	// unknown "kid" (Nimbus's default rate limit): a stream of tokens with
	// made-up key ids costs the authorization server one request per
	// interval, never one per request.
	RefreshOnUnknownKID = 30 * time.Second
	// FetchTimeout bounds one fetch of the key set, and how long a request
	// whose kid is unknown may wait for the rate limit to allow a fetch: a
	// request that would wait longer is refused at once (invalid_token).
	FetchTimeout = 5 * time.Second
	// MinRSABits is the smallest RSA modulus accepted (RFC 7518 §3.3: 2048
	// or larger).
	MinRSABits = 2048
)

// Why no key verifies a token (the log's reason; the client sees
// invalid_token).
var (
	errUnknownKID = errors.New("no key with the token's kid in the key set")
	errNoKID      = errors.New("token has no kid")
)

// keySet is the authorization server's JWKS, kept by jwkset: cached keys
// (replaced whole by each fetch) behind a client that fetches the set again
// for an unknown kid, rate limited. Safe for concurrent use.
type keySet struct {
	cached jwkset.Storage // the last fetched set; never fetches on a lookup
	client jwkset.Storage // cached, then one rate-limited fetch on a miss
	flight singleflight.Group
	stop   context.CancelFunc
}

// newKeySet fetches the set once (bounded by FetchTimeout) and keeps it up
// to date in the background until close. When the authorization server does
// not answer, the service starts all the same, refusing every token (401)
// until a fetch succeeds. An error: url is not an absolute URL.
func newKeySet(ctx context.Context, url string, client *http.Client, unknownKIDGap time.Duration, log logrus.FieldLogger) (*keySet, error) {
	log = log.WithField("jwks", url)
	// The background fetch lives until close, not until ctx ends: a
	// draining service still checks tokens.
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	cached, err := jwkset.NewStorageFromHTTP(url, jwkset.HTTPClientStorageOptions{
		Client:                    client,
		Ctx:                       bg,
		HTTPTimeout:               FetchTimeout,
		RefreshInterval:           RefreshInterval,
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler: func(_ context.Context, err error) {
			log.WithError(err).Warn("fetching the JWKS failed; keeping the keys fetched before (none before the first success: every token is refused)")
		},
	})
	if err != nil {
		stop()
		return nil, fmt.Errorf("bearer: the JWKS at %q: %w", url, err)
	}
	onMiss, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{url: cached},
		RefreshUnknownKID: rate.NewLimiter(rate.Every(unknownKIDGap), 1),
	})
	if err != nil {
		stop()
		return nil, fmt.Errorf("bearer: the JWKS at %q: %w", url, err)
	}
	return &keySet{cached: cached, client: onMiss, stop: stop}, nil
}

// close stops the background fetch.
func (k *keySet) close() { k.stop() }

// key returns the RS256 verification key named kid. When the cached set
// lacks it, the set is fetched again (at most once per RefreshOnUnknownKID;
// concurrent requests share one fetch, bounded by FetchTimeout and not by
// the first request's own deadline).
func (k *keySet) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if kid == "" {
		return nil, errNoKID
	}
	jwk, err := k.cached.KeyRead(ctx, kid)
	if errors.Is(err, jwkset.ErrKeyNotFound) {
		var v any
		v, err, _ = k.flight.Do(kid, func() (any, error) {
			fetch, cancel := context.WithTimeout(context.WithoutCancel(ctx), FetchTimeout)
			defer cancel()
			return k.client.KeyRead(fetch, kid)
		})
		if err == nil {
			jwk = v.(jwkset.JWK)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%w (%w)", errUnknownKID, err)
	}
	return verificationKey(jwk)
}

// verificationKey is jwk as an RS256 verification key: an RSA public key
// (RFC 7518 §6.3) of MinRSABits or more, whose "use" (RFC 7517 §4.2) and
// "alg" (§4.4), when present, say signatures and RS256.
func verificationKey(jwk jwkset.JWK) (*rsa.PublicKey, error) {
	m := jwk.Marshal()
	switch {
	case m.KID == "":
		return nil, errors.New("no kid")
	case m.KTY != jwkset.KtyRSA:
		return nil, fmt.Errorf("key type %q is not RSA", m.KTY)
	case m.USE != "" && m.USE != jwkset.UseSig:
		return nil, fmt.Errorf("use %q is not sig", m.USE)
	case m.ALG != "" && m.ALG != jwkset.AlgRS256:
		return nil, fmt.Errorf("alg %q is not RS256", m.ALG)
	}
	key, ok := jwk.Key().(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("not an RSA public key: %T", jwk.Key())
	}
	if key.N.BitLen() < MinRSABits {
		return nil, fmt.Errorf("RSA key of %d bits, fewer than %d", key.N.BitLen(), MinRSABits)
	}
	return key, nil
}
