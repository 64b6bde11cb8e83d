// Package images is the client of imageservice: GET the image of an account
// through the "imageservice" circuit breaker, decode its payload into an
// account.Image, fall back to a placeholder.
package images

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/downstream"
	"github.com/goblog/common/strictjson"
)

// CircuitName is the circuit breaker of imageservice calls.
const CircuitName = "imageservice"

// URLKey is the configuration key of imageservice's base URL, read by the
// service's settings and named in the log when it is not configured.
const URLKey = "imageservice_url"

// Fallback is the image served when imageservice fails or answers nonsense.
func Fallback() account.Image {
	return account.Image{URL: "http://path.to.placeholder", ServedBy: "fallback"}
}

// payload is what imageservice answers for GET /accounts/{id}:
// {"url":"<absolute URL of the image>","servedBy":"<the instance that answered>"}.
type payload struct {
	URL      string `json:"url"`
	ServedBy string `json:"servedBy"`
}

// image converts the payload to the domain type.
func (p payload) image() account.Image {
	return account.Image{URL: p.URL, ServedBy: p.ServedBy}
}

// Parse decodes and checks an imageservice response by common/strictjson's
// rule (valid UTF-8, no duplicate names, nothing after the object; unknown
// fields ignored): the url is required and must be absolute.
func Parse(body []byte) (account.Image, error) {
	var p payload
	if err := strictjson.Unmarshal(body, &p, strictjson.IgnoreUnknownMembers()); err != nil {
		return account.Image{}, fmt.Errorf("decoding image: %w", err)
	}
	if p.URL == "" {
		return account.Image{}, errors.New("decoding image: no url")
	}
	if u, err := url.Parse(p.URL); err != nil || !u.IsAbs() {
		return account.Image{}, fmt.Errorf("decoding image: url %q is not absolute", p.URL)
	}
	return p.image(), nil
}

// Client is an account.ImageSource.
type Client struct {
	fetch *downstream.Client[account.Image]
	base  func() string
}

// New returns a Client. base (imageservice_url, e.g.
// "http://imageservice:7777/accounts/") is called on every request so a
// configuration refresh takes effect at once; log gives a logger for a
// request context.
func New(get downstream.Getter, base func() string, log func(ctx context.Context) logrus.FieldLogger) *Client {
	res := downstream.Resource[account.Image]{
		Circuit: CircuitName, URLKey: URLKey, Noun: "image",
		Decode: Parse, Fallback: Fallback(),
	}
	return &Client{fetch: downstream.New(get, res, log), base: base}
}

// Image returns the image of account id from imageservice, or Fallback.
func (c *Client) Image(ctx context.Context, id string) account.Image {
	return c.fetch.Fetch(ctx, accountURL(c.base(), id))
}

// accountURL is <base>/<id>, or "" when base is not configured.
func accountURL(base, id string) string {
	if base == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + "/" + url.PathEscape(id)
}
