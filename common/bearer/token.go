package bearer

import (
	"context"
	"slices"
	"time"
)

// Token is a checked access token: its raw form (to relay it downstream)
// and the claims the services use.
type Token struct {
	// Raw is the token as the client sent it, to put in the Authorization
	// header of a call made on the client's behalf.
	Raw string
	// Subject is "sub": the client id for a client credentials grant.
	Subject string
	// Scopes are the token's scopes ("scope", RFC 9068 §2.2.3.1).
	Scopes []string
	// Expiry is "exp".
	Expiry time.Time
}

// HasScope reports whether t carries scope.
func (t Token) HasScope(scope string) bool { return slices.Contains(t.Scopes, scope) }

type tokenKey struct{}

// WithToken returns ctx carrying t; the middleware calls it for every
// request it lets through with a token.
func WithToken(ctx context.Context, t Token) context.Context {
	return context.WithValue(ctx, tokenKey{}, t)
}

// TokenFrom returns the checked token of a request's context; false when the
// request came without one (an open path, or token checking off).
func TokenFrom(ctx context.Context) (Token, bool) {
	t, ok := ctx.Value(tokenKey{}).(Token)
	return t, ok
}
