// Package quotes is the client of quotes-service: GET a quote through the
// "quotes-service" circuit breaker, decode its payload into an account.Quote,
// fall back to a fixed quote.
package quotes

import (
	"context"
	"errors"
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/downstream"
	"github.com/goblog/common/strictjson"
)

// CircuitName is the circuit breaker of quotes-service calls.
const CircuitName = "quotes-service"

// URLKey is the configuration key of quotes-service's URL, read by the
// service's settings and named in the log when it is not configured.
const URLKey = "quotes_service_url"

// Fallback is the quote served when quotes-service fails or answers nonsense.
func Fallback() account.Quote {
	return account.Quote{Text: "May the source be with you, always.", IPAddress: "circuit-breaker", Language: "en"}
}

// payload is what quotes-service answers:
// {"quote":"…","ipAddress":"<the instance that answered>","language":"en"}.
type payload struct {
	Quote     string `json:"quote"`
	IPAddress string `json:"ipAddress"`
	Language  string `json:"language"`
}

// quote converts the payload to the domain type.
func (p payload) quote() account.Quote {
	return account.Quote{Text: p.Quote, IPAddress: p.IPAddress, Language: p.Language}
}

// Parse decodes and checks a quotes-service response by common/strictjson's
// rule (valid UTF-8, no duplicate names, nothing after the object: an answer
// that breaks it gets the fallback, never a guess). Unknown fields are
// ignored (the service may add some); the quote text is required.
func Parse(body []byte) (account.Quote, error) {
	var p payload
	if err := strictjson.Unmarshal(body, &p, strictjson.IgnoreUnknownMembers()); err != nil {
		return account.Quote{}, fmt.Errorf("decoding quote: %w", err)
	}
	if p.Quote == "" {
		return account.Quote{}, errors.New("decoding quote: no quote text")
	}
	return p.quote(), nil
}

// Client is an account.QuoteSource.
type Client struct {
	fetch *downstream.Client[account.Quote]
	url   func() string
}

// New returns a Client. url (quotes_service_url) is called on every request
// so a configuration refresh takes effect at once; log gives a logger for a
// request context.
func New(get downstream.Getter, url func() string, log func(ctx context.Context) logrus.FieldLogger) *Client {
	res := downstream.Resource[account.Quote]{
		Circuit: CircuitName, URLKey: URLKey, Noun: "quote",
		Decode: Parse, Fallback: Fallback(),
	}
	return &Client{fetch: downstream.New(get, res, log), url: url}
}

// Quote returns a quote from quotes-service, or Fallback.
func (c *Client) Quote(ctx context.Context) account.Quote {
	return c.fetch.Fetch(ctx, c.url())
}
