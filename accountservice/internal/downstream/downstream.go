// Package downstream fetches one JSON document from another service inside a
// named circuit breaker and decodes it, answering a fixed fallback value on
// any failure. It is the one shape of accountservice's downstream clients
// (quotes, images): those only say what to fetch and how to decode it.
package downstream

import (
	"context"
	"errors"

	"github.com/sirupsen/logrus"

	"github.com/goblog/common/circuit"
)

// Getter runs a GET inside a circuit breaker; *circuit.Client is one.
type Getter interface {
	Get(ctx context.Context, name, url string, fallback circuit.Fallback) ([]byte, error)
}

var _ Getter = (*circuit.Client)(nil)

// Resource says what a Client fetches and how the logs name it.
type Resource[T any] struct {
	// Circuit names the circuit breaker and, in logs, the downstream
	// service ("quotes-service").
	Circuit string
	// URLKey is the configuration key of the URL ("quotes_service_url"),
	// logged when it is not configured.
	URLKey string
	// Noun is what the logs call a T ("quote").
	Noun string
	// Decode turns a response body into a T: it is the crossing from the
	// downstream's payload to the domain type. An error means the answer is
	// nonsense.
	Decode func(body []byte) (T, error)
	// Fallback is the value served whenever the downstream gives none.
	Fallback T
}

// Client fetches a Resource; build it with New.
type Client[T any] struct {
	get Getter
	res Resource[T]
	log func(ctx context.Context) logrus.FieldLogger
	// onFailure is the fallback method as a circuit.Fallback, made once:
	// a method value made in each Fetch was an allocation per call.
	onFailure circuit.Fallback
}

// New returns a Client fetching res through get; log gives the logger of a
// request context.
func New[T any](get Getter, res Resource[T], log func(ctx context.Context) logrus.FieldLogger) *Client[T] {
	c := &Client[T]{get: get, res: res, log: log}
	c.onFailure = c.fallback
	return c
}

// Fetch GETs url inside the circuit and decodes the answer. It never fails:
// an empty url (not configured), a failed, timed-out or rejected call, an
// open circuit, a 4xx and an answer Decode refuses all give the Fallback.
// Each case is logged at warning, except an open circuit and a missing URL
// (debug: the breaker logs the opening once, and the URL is logged at start).
func (c *Client[T]) Fetch(ctx context.Context, url string) T {
	if url == "" {
		c.log(ctx).Debug(c.res.URLKey + " not configured, using the fallback " + c.res.Noun)
		return c.res.Fallback
	}
	body, err := c.get.Get(ctx, c.res.Circuit, url, c.onFailure)
	switch {
	case err != nil: // e.g. a 4xx, which does not run the circuit's fallback
		c.log(ctx).WithError(err).Warn(c.res.Circuit + " failed, using the fallback " + c.res.Noun)
		return c.res.Fallback
	case body == nil: // the circuit ran fallback below
		return c.res.Fallback
	}
	v, err := c.res.Decode(body)
	if err != nil {
		c.log(ctx).WithError(err).Warn(c.res.Circuit + " answered nonsense, using the fallback " + c.res.Noun)
		return c.res.Fallback
	}
	return v
}

// fallback runs inside the circuit when the call failed or the circuit is
// open. It answers no body, which Get passes on as nil, and Fetch then serves
// the Fallback value as it is (no encoding and decoding); answering without
// an error makes the Hystrix stream count a successful fallback.
func (c *Client[T]) fallback(ctx context.Context, err error) ([]byte, error) { // a circuit.Fallback
	log := c.log(ctx).WithError(err)
	if errors.Is(err, circuit.ErrOpen) {
		// The breaker logs the opening once; not again for every request.
		log.Debug(c.res.Circuit + " circuit open, using the fallback " + c.res.Noun)
	} else {
		log.Warn(c.res.Circuit + " failed, using the fallback " + c.res.Noun)
	}
	return nil, nil
}
