package bearer_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/goblog/common/bearer"
)

func TestTokenFromHeader(t *testing.T) {
	for _, c := range []struct {
		name    string
		values  []string
		token   string
		wantErr error
	}{
		{"none", nil, "", bearer.ErrNoToken},
		{"another scheme", []string{"Basic dXNlcjpwYXNz"}, "", bearer.ErrNoToken},
		{"a scheme starting like Bearer", []string{"Bearerx abc"}, "", bearer.ErrNoToken},
		{"compact JWS", []string{"Bearer aaa.bbb.ccc"}, "aaa.bbb.ccc", nil},
		{"any case, several spaces, white space around", []string{" \tbearer   a-b_c~d+e/f== \t"}, "a-b_c~d+e/f==", nil},
		{"scheme alone", []string{"Bearer"}, "", bearer.ErrMalformed},
		{"scheme and spaces", []string{"Bearer    "}, "", bearer.ErrMalformed},
		{"two tokens", []string{"Bearer abc def"}, "", bearer.ErrMalformed},
		{"padding only", []string{"Bearer =="}, "", bearer.ErrMalformed},
		{"padding inside", []string{"Bearer ab=c"}, "", bearer.ErrMalformed},
		{"quoted", []string{`Bearer "abc"`}, "", bearer.ErrMalformed},
		{"non-ASCII", []string{"Bearer abcé"}, "", bearer.ErrMalformed},
		{"too long", []string{"Bearer " + strings.Repeat("a", bearer.MaxTokenBytes+1)}, "", bearer.ErrMalformed},
		{"longest", []string{"Bearer " + strings.Repeat("a", bearer.MaxTokenBytes)}, strings.Repeat("a", bearer.MaxTokenBytes), nil},
		{"two headers", []string{"Bearer abc", "Bearer abc"}, "", bearer.ErrSeveralHeaders},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range c.values {
				h.Add("Authorization", v)
			}
			token, err := bearer.TokenFromHeader(h)
			if !errors.Is(err, c.wantErr) || token != c.token {
				t.Errorf("TokenFromHeader(%q) = %q, %v; want %q, %v", c.values, token, err, c.token, c.wantErr)
			}
		})
	}
}

// FuzzTokenFromHeader: any header value gives a token or one of the three
// errors, never a panic; a token is a b64token that reads back the same from
// its canonical header.
func FuzzTokenFromHeader(f *testing.F) {
	for _, s := range []string{"Bearer aaa.bbb.ccc", "bearer  x==", "Basic abc", "Bearer", "Bearer a b", "Bearer é", "  Bearer\tx", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		h := http.Header{"Authorization": {v}}
		token, err := bearer.TokenFromHeader(h)
		if err != nil {
			if token != "" {
				t.Fatalf("%q: token %q with error %v", v, token, err)
			}
			if !errors.Is(err, bearer.ErrNoToken) && !errors.Is(err, bearer.ErrMalformed) {
				t.Fatalf("%q: unexpected error %v", v, err)
			}
			return
		}
		if token == "" || len(token) > bearer.MaxTokenBytes || strings.ContainsAny(token, " \t\r\n\"") {
			t.Fatalf("%q: token %q is not a b64token", v, token)
		}
		again, err := bearer.TokenFromHeader(http.Header{"Authorization": {"Bearer " + token}})
		if err != nil || again != token {
			t.Fatalf("%q: token %q reads back as %q, %v", v, token, again, err)
		}
	})
}
