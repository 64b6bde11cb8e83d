package bearer

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/sirupsen/logrus"
	"golang.org/x/sync/singleflight"
)

// Timing of the key set, as Spring Security's JWKS source (Nimbus JOSE)
// does it: the set is fetched at start, again every RefreshInterval, and at
// once for a token whose "kid" it lacks (a rotated key), at most once per
// RefreshOnUnknownKID.
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
	// FetchTimeout bounds one fetch of the key set.
	FetchTimeout = 5 * time.Second
	// MinRSABits is the smallest RSA modulus accepted (RFC 7518 §3.3: 2048
	// or larger).
	MinRSABits = 2048
	// maxJWKSBytes bounds the key set's body.
	maxJWKSBytes = 1 << 20
)

// Why no key verifies a token (the log's reason; the client sees
// invalid_token).
var (
	errUnknownKID  = errors.New("no key with the token's kid in the key set")
	errNoKID       = errors.New("token has no kid")
	errRateLimited = errors.New("key set fetched for an unknown kid less than " + RefreshOnUnknownKID.String() + " ago")
)

// keySet is the authorization server's JWKS: its RS256 verification keys by
// kid, replaced whole by each fetch. Safe for concurrent use; a lookup is
// one atomic load.
type keySet struct {
	url    string
	client *http.Client
	now    func() time.Time
	minGap time.Duration
	log    logrus.FieldLogger

	keys   atomic.Pointer[map[string]*rsa.PublicKey] // nil until the first good fetch
	flight singleflight.Group

	mu         sync.Mutex
	lastForced time.Time // zero: no fetch forced yet

	stop context.CancelFunc
	done chan struct{}
}

// newKeySet fetches the set once (bounded by FetchTimeout) and keeps it up
// to date in the background until close. When the authorization server does
// not answer, the service starts all the same, refusing every token (401)
// until a fetch succeeds.
func newKeySet(ctx context.Context, url string, client *http.Client, now func() time.Time, minGap time.Duration, log logrus.FieldLogger) *keySet {
	k := &keySet{url: url, client: client, now: now, minGap: minGap, log: log.WithField("jwks", url), done: make(chan struct{})}
	if err := k.fetch(ctx); err != nil {
		k.log.WithError(err).Warn("no JWKS yet: every token is refused until the authorization server answers")
	}
	// The background fetch lives until close, not until ctx ends: a
	// draining service still checks tokens.
	bg, stop := context.WithCancel(context.WithoutCancel(ctx))
	k.stop = stop
	go k.refreshLoop(bg)
	return k
}

// refreshLoop fetches the set every RefreshInterval until ctx ends; a
// failure keeps the keys fetched before.
func (k *keySet) refreshLoop(ctx context.Context) {
	defer close(k.done)
	t := time.NewTicker(RefreshInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := k.fetch(ctx); err != nil {
				k.log.WithError(err).Warn("fetching the JWKS failed; keeping the keys fetched before")
			}
		}
	}
}

// close stops the background fetch and waits for it.
func (k *keySet) close() {
	k.stop()
	<-k.done
}

// key returns the verification key named kid, fetching the set again (rate
// limited) when it does not hold one. Concurrent requests with an unknown
// kid share one fetch.
func (k *keySet) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	if kid == "" {
		return nil, errNoKID
	}
	if key, ok := k.lookup(kid); ok {
		return key, nil
	}
	_, err, _ := k.flight.Do("refresh", func() (any, error) { return nil, k.refreshForKID(ctx, kid) })
	if key, ok := k.lookup(kid); ok {
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%w (%w)", errUnknownKID, err)
	}
	return nil, errUnknownKID
}

func (k *keySet) lookup(kid string) (*rsa.PublicKey, bool) {
	keys := k.keys.Load()
	if keys == nil {
		return nil, false
	}
	key, ok := (*keys)[kid]
	return key, ok
}

// refreshForKID fetches the set now unless a fetch for an unknown kid
// happened less than minGap ago.
func (k *keySet) refreshForKID(ctx context.Context, kid string) error {
	k.mu.Lock()
	now := k.now()
	if !k.lastForced.IsZero() && now.Sub(k.lastForced) < k.minGap {
		k.mu.Unlock()
		return errRateLimited
	}
	k.lastForced = now
	k.mu.Unlock()

	k.log.WithField("kid", kid).Info("token signed with a key not in the JWKS: fetching the JWKS again")
	// Not the request's deadline: the fetch serves every request waiting on it.
	return k.fetch(context.WithoutCancel(ctx))
}

// fetch GETs the set and replaces the keys with its usable ones; keys that
// are not RS256 signing keys of MinRSABits or more are left out (logged).
func (k *keySet) fetch(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.url, nil)
	if err != nil {
		return fmt.Errorf("fetching the JWKS: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.client.Do(req)
	if err != nil {
		return fmt.Errorf("fetching the JWKS: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching the JWKS: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return fmt.Errorf("fetching the JWKS: %w", err)
	}
	if len(body) > maxJWKSBytes {
		return fmt.Errorf("fetching the JWKS: larger than %d bytes", maxJWKSBytes)
	}
	var set jwkset.JWKSMarshal
	if err := json.Unmarshal(body, &set); err != nil {
		return fmt.Errorf("decoding the JWKS: %w", err)
	}
	keys := make(map[string]*rsa.PublicKey, len(set.Keys))
	for _, m := range set.Keys {
		key, err := verificationKey(m)
		if err != nil {
			k.log.WithError(err).WithField("kid", m.KID).Info("JWKS key left out")
			continue
		}
		keys[m.KID] = key
	}
	k.keys.Store(&keys)
	return nil
}

// verificationKey is m as an RS256 verification key: an RSA public key
// (RFC 7518 §6.3) of MinRSABits or more with a kid, whose "use" (RFC 7517
// §4.2) and "alg" (§4.4), when present, say signatures and RS256.
func verificationKey(m jwkset.JWKMarshal) (*rsa.PublicKey, error) {
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
	jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
	if err != nil {
		return nil, err
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
