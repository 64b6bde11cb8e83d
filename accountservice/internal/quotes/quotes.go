// Package quotes fetches a quote from quotes-service through the
// "quotes-service" circuit breaker, falling back to a fixed quote.
package quotes

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/common/circuit"
)

// CircuitName is the hystrix command of quotes-service calls.
const CircuitName = "quotes-service"

// Fallback is the quote served when quotes-service fails or answers nonsense.
func Fallback() account.Quote {
	return account.Quote{Quote: "May the source be with you, always.", IPAddress: "circuit-breaker", Language: "en"}
}

// Getter runs a GET inside a circuit breaker; *circuit.Client is one.
type Getter interface {
	Get(ctx context.Context, name, url string, fallback circuit.Fallback) ([]byte, error)
}

var _ Getter = (*circuit.Client)(nil)

// Client is an account.QuoteSource.
type Client struct {
	get          Getter
	url          func() string
	log          func(ctx context.Context) logrus.FieldLogger
	fallbackBody []byte
}

// New returns a Client. url is called on every request so a configuration
// refresh takes effect at once; log gives a logger for a request context.
func New(get Getter, url func() string, log func(ctx context.Context) logrus.FieldLogger) *Client {
	body, _ := json.Marshal(Fallback()) // a struct of strings always encodes
	return &Client{get: get, url: url, log: log, fallbackBody: body}
}

// Quote returns a quote from quotes-service, or Fallback.
func (c *Client) Quote(ctx context.Context) account.Quote {
	u := c.url()
	if u == "" {
		c.log(ctx).Debug("quotes_service_url not configured, using the fallback quote")
		return Fallback()
	}
	body, err := c.get.Get(ctx, CircuitName, u, c.fallback)
	if err != nil { // e.g. a 4xx, which does not run the circuit's fallback
		c.log(ctx).WithError(err).Warn("quotes-service failed, using the fallback quote")
		return Fallback()
	}
	q, err := Parse(body)
	if err != nil {
		c.log(ctx).WithError(err).Warn("quotes-service answered nonsense, using the fallback quote")
		return Fallback()
	}
	return q
}

// fallback runs inside the circuit when the call failed or the circuit is
// open; returning the fallback body (not an error) makes the Hystrix stream
// count a successful fallback.
func (c *Client) fallback(ctx context.Context, err error) ([]byte, error) { // a circuit.Fallback
	log := c.log(ctx).WithError(err)
	if errors.Is(err, circuit.ErrOpen) {
		// hystrix-go logs the opening once; not again for every request.
		log.Debug("quotes-service circuit open, using the fallback quote")
	} else {
		log.Warn("quotes-service failed, using the fallback quote")
	}
	return c.fallbackBody, nil
}

// Parse decodes and checks a quotes-service response. Unknown fields are
// ignored (the service may add some); the quote text is required.
func Parse(body []byte) (account.Quote, error) {
	var q account.Quote
	if err := json.Unmarshal(body, &q); err != nil {
		return account.Quote{}, fmt.Errorf("decoding quote: %w", err)
	}
	if q.Quote == "" {
		return account.Quote{}, errors.New("decoding quote: no quote text")
	}
	return q, nil
}
