package bearer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/lestrrat-go/httprc/v3"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/sirupsen/logrus"
	"golang.org/x/sync/singleflight"
)

// Timing of the key set, as Nimbus JOSE (Spring Security's JWKS source) does
// it: the set is refetched in the background, and at once for a token whose
// "kid" it lacks (a rotated key), at most once per RefreshOnUnknownKID.
const (
	// RefreshInterval is the longest the set goes without a refetch
	// (sooner when the server's Cache-Control says so, never sooner than
	// MinRefreshInterval).
	RefreshInterval    = 15 * time.Minute
	MinRefreshInterval = time.Minute
	// RefreshOnUnknownKID is the least time between two refetches caused by
	// an unknown "kid" (Nimbus's default rate limit): a stream of tokens
	// with made-up key ids costs the authorization server one request per
	// interval, never one per request.
	RefreshOnUnknownKID = 30 * time.Second
	// FetchTimeout bounds one fetch of the key set.
	FetchTimeout = 5 * time.Second
	// maxJWKSBytes bounds the key set's body.
	maxJWKSBytes = 1 << 20
)

// Why no key verifies a token (the log's reason; the client sees
// invalid_token).
var (
	errUnknownKID  = errors.New("no key with the token's kid in the key set")
	errNoKID       = errors.New("token has no kid")
	errUnusableKey = errors.New("the key of the token's kid is not an RS256 signing key")
	errRateLimited = errors.New("key set refreshed less than " + RefreshOnUnknownKID.String() + " ago")
)

// keySet is the authorization server's JWKS, cached by jwk.Cache (which
// refetches it in the background) and refetched on an unknown kid, rate
// limited. It is safe for concurrent use.
type keySet struct {
	cache    *jwk.Cache
	resource *httprc.ResourceBase[jwk.Set]
	url      string
	now      func() time.Time
	minGap   time.Duration
	log      logrus.FieldLogger

	flight     singleflight.Group
	mu         sync.Mutex
	lastForced time.Time // zero: no refresh forced yet
}

// newKeySet starts the cache of url and waits up to FetchTimeout for the
// first fetch. When the authorization server does not answer in time the
// service starts all the same, refusing tokens (401) until the keys are
// there: the cache keeps trying in the background.
func newKeySet(ctx context.Context, url string, client *http.Client, now func() time.Time, minGap time.Duration, log logrus.FieldLogger) (*keySet, error) {
	// The cache lives until close, not until ctx ends: a draining service
	// still checks tokens.
	cache, err := jwk.NewCache(context.WithoutCancel(ctx), httprc.NewClient(
		httprc.WithWorkers(1),
		httprc.WithErrorSink(errSink{log: log}),
	))
	if err != nil {
		return nil, fmt.Errorf("starting the JWKS cache: %w", err)
	}
	waitCtx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	regErr := cache.Register(waitCtx, url,
		jwk.WithHTTPClient(client),
		jwk.WithMaxFetchBodySize(maxJWKSBytes),
		jwk.WithMinInterval(MinRefreshInterval),
		jwk.WithMaxInterval(RefreshInterval),
	)
	resource, err := cache.LookupResource(ctx, url)
	if err != nil { // not registered at all
		_ = cache.Shutdown(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("registering the JWKS %s: %w", url, errors.Join(regErr, err))
	}
	if regErr != nil {
		log.WithError(regErr).WithField("url", url).Warn("no JWKS yet: every token is refused until the authorization server answers")
	}
	return &keySet{cache: cache, resource: resource, url: url, now: now, minGap: minGap, log: log}, nil
}

// key returns the RS256 verification key named kid, refetching the set
// (rate limited) when it does not hold one.
func (k *keySet) key(ctx context.Context, kid string) (jwk.Key, error) {
	if kid == "" {
		return nil, errNoKID
	}
	if key, ok := lookup(k.resource.Resource(), kid); ok {
		return checkKey(key)
	}
	// Concurrent requests with the unknown kid wait for one refetch.
	_, err, _ := k.flight.Do("refresh", func() (any, error) { return nil, k.refresh(ctx, kid) })
	if key, ok := lookup(k.resource.Resource(), kid); ok {
		return checkKey(key)
	}
	if err != nil {
		return nil, fmt.Errorf("%w (%w)", errUnknownKID, err)
	}
	return nil, errUnknownKID
}

// refresh refetches the set now unless it was refetched for an unknown kid
// less than minGap ago.
func (k *keySet) refresh(ctx context.Context, kid string) error {
	k.mu.Lock()
	now := k.now()
	if !k.lastForced.IsZero() && now.Sub(k.lastForced) < k.minGap {
		k.mu.Unlock()
		return errRateLimited
	}
	k.lastForced = now
	k.mu.Unlock()

	k.log.WithField("kid", kid).Info("token signed with a key not in the JWKS: fetching the JWKS again")
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), FetchTimeout)
	defer cancel()
	if _, err := k.cache.Refresh(ctx, k.url); err != nil {
		return fmt.Errorf("fetching the JWKS: %w", err)
	}
	return nil
}

// close stops the cache's goroutines.
func (k *keySet) close(ctx context.Context) error {
	return k.cache.Shutdown(ctx)
}

// lookup finds kid in set, which is nil before the first fetch.
func lookup(set jwk.Set, kid string) (jwk.Key, bool) {
	if set == nil {
		return nil, false
	}
	return set.LookupKeyID(kid)
}

// checkKey lets through an RSA public key meant for RS256 signatures: a key
// whose "alg" (RFC 7517 §4.4) or "use" (§4.2) says otherwise is refused.
func checkKey(key jwk.Key) (jwk.Key, error) {
	if key.KeyType() != jwa.RSA() {
		return nil, errUnusableKey
	}
	if _, ok := key.(jwk.RSAPublicKey); !ok {
		return nil, errUnusableKey
	}
	if alg, ok := key.Algorithm(); ok && alg.String() != jwa.RS256().String() {
		return nil, errUnusableKey
	}
	if use, ok := key.KeyUsage(); ok && use != jwk.ForSignature.String() {
		return nil, errUnusableKey
	}
	return key, nil
}

// errSink logs what goes wrong in the cache's background fetches.
type errSink struct{ log logrus.FieldLogger }

func (s errSink) Put(_ context.Context, err error) {
	s.log.WithError(err).Warn("fetching the JWKS failed; keeping the keys fetched before")
}
