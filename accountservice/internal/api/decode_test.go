package api_test

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/api"
)

func FuzzDecodeCreateAccount(f *testing.F) {
	for _, seed := range []string{
		`{"name":"Person_0"}`,
		`{"name":"  padded  "}`,
		`{"name":"Zoë"}`,
		`{"name":"\u0000"}`,
		`{"name":"a","name":"b"}`,
		`{"NAME":"case"}`,
		`{"name":"x"} trailing`,
		`{"name":"x","other":1}`,
		`null`,
		`{"name":"` + strings.Repeat("a", 101) + `"}`,
		"{\"name\":\"\xff\"}",
		`{"name":"a","\u006eame":"b"}`,
		`{"Name":"case"}`,
		`{"name":"\udc00"}`,
		"{\"name\":\"\xc0\xaf\"}",
		`{"name":"x"}{"name":"y"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		name, err := api.DecodeCreateAccount(bytes.NewReader(body))
		if err != nil {
			if !errors.Is(err, account.ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if normalized, err := account.NormalizeName(name); err != nil || normalized != name {
			t.Fatalf("accepted invalid name %q from %q", name, body)
		}
		if !utf8.Valid(body) {
			t.Fatalf("accepted invalid UTF-8 %q", body)
		}
	})
}

// TestDecodeCreateAccountStrict: a body means exactly what its bytes say or
// it is refused (issue 10, item 3).
func TestDecodeCreateAccountStrict(t *testing.T) {
	cases := []struct {
		name string
		body string
		want string // "" means refused with ErrInvalid
	}{
		{"one name", `{"name":"Ada"}`, "Ada"},
		{"escaped UTF-8", `{"name":"Zo\u00eb"}`, "Zoë"},
		{"white space around", "\n {\"name\":\"Ada\"} \r\n", "Ada"},
		{"duplicate name", `{"name":"a","name":"b"}`, ""},
		{"duplicate name, escaped", `{"name":"a","\u006eame":"b"}`, ""},
		{"name in upper case", `{"NAME":"a"}`, ""},
		{"name capitalised", `{"Name":"a"}`, ""},
		{"invalid UTF-8", "{\"name\":\"bad\xff\"}", ""},
		{"lone surrogate", `{"name":"bad\udc00"}`, ""},
		{"unknown field", `{"name":"a","admin":true}`, ""},
		{"second value", `{"name":"a"}{"name":"b"}`, ""},
		{"trailing text", `{"name":"a"} x`, ""},
		{"empty", ``, ""},
		{"null", `null`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := api.DecodeCreateAccount(strings.NewReader(tc.body))
			if tc.want == "" {
				if !errors.Is(err, account.ErrInvalid) {
					t.Fatalf("DecodeCreateAccount(%q) = %q, %v; want an error wrapping ErrInvalid", tc.body, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("DecodeCreateAccount(%q) = %q, %v; want %q", tc.body, got, err, tc.want)
			}
		})
	}
}

func TestCreateAccountRefusesAmbiguousJSON(t *testing.T) {
	f := newFixture(t)
	for _, body := range []string{`{"name":"a","name":"b"}`, "{\"name\":\"bad\xff\"}", `{"NAME":"a"}`} {
		rec := f.do("POST", "/accounts", strings.NewReader(body), "Content-Type", "application/json")
		if rec.Code != http.StatusBadRequest || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
			t.Fatalf("POST /accounts %q: %d %s, want 400 with a JSON error", body, rec.Code, rec.Body)
		}
	}
	if rec := f.do("GET", "/accounts/10100", nil); rec.Code != http.StatusNotFound {
		t.Fatalf("a refused body created an account: GET /accounts/10100 = %d", rec.Code)
	}
}
