package bearer

import (
	"errors"
	"net/http"
	"strings"
)

// Why a request's credentials are not a bearer token. Only the middleware's
// log names them; the client gets the RFC 6750 error code alone.
var (
	// ErrNoToken: no Authorization header, or one of another scheme
	// (Basic, …): the client did not try a bearer token (RFC 6750 §3.1: no
	// error code in the challenge).
	ErrNoToken = errors.New("no bearer token")
	// ErrMalformed: the Bearer credentials are not a b64token.
	ErrMalformed = errors.New("malformed bearer token")
	// ErrSeveralHeaders: more than one Authorization header (RFC 6750 §3.1
	// invalid_request: more than one token).
	ErrSeveralHeaders = errors.New("more than one Authorization header")
)

// MaxTokenBytes bounds the token read from the header; the server's header
// limit bounds the request already, this keeps a huge header out of the
// JSON and signature code.
const MaxTokenBytes = 8 << 10

// TokenFromHeader returns the bearer token of h's Authorization header
// (RFC 6750 §2.1): the scheme "Bearer" in any case (RFC 9110 §11.1), one or
// more spaces, then a b64token, 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" /
// "+" / "/" ) *"=", with optional white space around the field value
// (RFC 9110 §5.5). Errors: ErrNoToken, ErrMalformed, ErrSeveralHeaders.
func TokenFromHeader(h http.Header) (string, error) {
	values := h.Values("Authorization")
	switch len(values) {
	case 0:
		return "", ErrNoToken
	case 1:
	default:
		return "", ErrSeveralHeaders
	}
	v := strings.Trim(values[0], " \t")
	scheme, rest, _ := strings.Cut(v, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", ErrNoToken
	}
	token := strings.TrimLeft(rest, " ")
	if !isB64Token(token) {
		return "", ErrMalformed
	}
	return token, nil
}

// isB64Token reports whether s is an RFC 6750 §2.1 b64token of at most
// MaxTokenBytes.
func isB64Token(s string) bool {
	if s == "" || len(s) > MaxTokenBytes {
		return false
	}
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}
