// Package images fetches an account's image from imageservice through the
// "imageservice" circuit breaker, falling back to a placeholder.
package images

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/common/circuit"
)

// CircuitName is the hystrix command of imageservice calls.
const CircuitName = "imageservice"

// Fallback is the image served when imageservice fails or answers nonsense.
func Fallback() account.ImageData {
	return account.ImageData{URL: "http://path.to.placeholder", ServedBy: "fallback"}
}

// Getter runs a GET inside a circuit breaker; *circuit.Client is one.
type Getter interface {
	Get(ctx context.Context, name, url string, fallback circuit.Fallback) ([]byte, error)
}

var _ Getter = (*circuit.Client)(nil)

// Client is an account.ImageSource.
type Client struct {
	get          Getter
	base         func() string
	log          func(ctx context.Context) logrus.FieldLogger
	fallbackBody []byte
}

// New returns a Client. base (imageservice_url, e.g.
// "http://imageservice:7777/accounts/") is called on every request so a
// configuration refresh takes effect at once.
func New(get Getter, base func() string, log func(ctx context.Context) logrus.FieldLogger) *Client {
	body, _ := json.Marshal(Fallback()) // a struct of strings always encodes
	return &Client{get: get, base: base, log: log, fallbackBody: body}
}

// Image returns the image of account id from imageservice, or Fallback.
func (c *Client) Image(ctx context.Context, id string) account.ImageData {
	base := c.base()
	if base == "" {
		c.log(ctx).Debug("imageservice_url not configured, using the fallback image")
		return Fallback()
	}
	u := strings.TrimSuffix(base, "/") + "/" + url.PathEscape(id)
	body, err := c.get.Get(ctx, CircuitName, u, c.fallback)
	if err != nil { // e.g. a 4xx, which does not run the circuit's fallback
		c.log(ctx).WithError(err).Warn("imageservice failed, using the fallback image")
		return Fallback()
	}
	img, err := Parse(body)
	if err != nil {
		c.log(ctx).WithError(err).Warn("imageservice answered nonsense, using the fallback image")
		return Fallback()
	}
	return img
}

// fallback runs inside the circuit when the call failed or the circuit is
// open; returning the fallback body (not an error) makes the Hystrix stream
// count a successful fallback.
func (c *Client) fallback(ctx context.Context, err error) ([]byte, error) { // a circuit.Fallback
	log := c.log(ctx).WithError(err)
	if errors.Is(err, circuit.ErrOpen) {
		// hystrix-go logs the opening once; not again for every request.
		log.Debug("imageservice circuit open, using the fallback image")
	} else {
		log.Warn("imageservice failed, using the fallback image")
	}
	return c.fallbackBody, nil
}

// Parse decodes and checks an imageservice response: the url is required
// and must be absolute.
func Parse(body []byte) (account.ImageData, error) {
	var img account.ImageData
	if err := json.Unmarshal(body, &img); err != nil {
		return account.ImageData{}, fmt.Errorf("decoding image: %w", err)
	}
	if img.URL == "" {
		return account.ImageData{}, errors.New("decoding image: no url")
	}
	if u, err := url.Parse(img.URL); err != nil || !u.IsAbs() {
		return account.ImageData{}, fmt.Errorf("decoding image: url %q is not absolute", img.URL)
	}
	return img, nil
}
