package strictjson

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

type account struct {
	Name *string `json:"name"`
}

func TestUnmarshal(t *testing.T) {
	cases := []struct {
		name   string
		body   string
		opts   []Option
		want   string // the name decoded; "" with wantErr
		errHas string // part of the error message; "" when the body is accepted
	}{
		{name: "one object", body: `{"name":"a"}`, want: "a"},
		{name: "surrounding white space", body: " \t\r\n{\"name\":\"a\"}\n", want: "a"},
		{name: "escaped characters", body: `{"name":"\u00e9\ud83d\ude00"}`, want: "é😀"},
		{name: "raw UTF-8", body: `{"name":"é😀"}`, want: "é😀"},
		{name: "duplicate name", body: `{"name":"a","name":"b"}`, errHas: "duplicate"},
		{name: "duplicate name, differently escaped", body: `{"name":"a","n\u0061me":"b"}`, errHas: "duplicate"},
		{name: "duplicate name in an ignored member", body: `{"name":"a","x":{"y":1,"y":2}}`,
			opts: []Option{IgnoreUnknownMembers()}, errHas: "duplicate"},
		{name: "name in another case", body: `{"Name":"a"}`, errHas: "unknown"},
		{name: "name in another case, unknown ignored", body: `{"NAME":"a"}`, opts: []Option{IgnoreUnknownMembers()}},
		{name: "unknown member", body: `{"name":"a","admin":true}`, errHas: `unknown object member name "admin"`},
		{name: "unknown member, ignored", body: `{"name":"a","admin":true}`, opts: []Option{IgnoreUnknownMembers()}, want: "a"},
		{name: "invalid UTF-8 in a value", body: "{\"name\":\"bad\xff\"}", errHas: "UTF-8"},
		{name: "invalid UTF-8 in a name", body: "{\"n\xffame\":\"a\"}", opts: []Option{IgnoreUnknownMembers()}, errHas: "UTF-8"},
		{name: "lone surrogate escape", body: `{"name":"\ud800"}`, errHas: "surrogate"},
		{name: "overlong encoding", body: "{\"name\":\"\xc0\xaf\"}", errHas: "UTF-8"},
		{name: "two values", body: `{"name":"a"}{"name":"b"}`, errHas: "after top-level value"},
		{name: "trailing garbage", body: `{"name":"a"}x`, errHas: "after top-level value"},
		{name: "empty", body: "", errHas: "EOF"},
		{name: "truncated", body: `{"name":"a"`, errHas: "EOF"},
		{name: "wrong type", body: `{"name":1}`, errHas: "unmarshal JSON"},
		{name: "not an object", body: `["a"]`, errHas: "unmarshal JSON"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, decode := range []struct {
				how string
				fn  func(v any) error
			}{
				{"Unmarshal", func(v any) error { return Unmarshal([]byte(tc.body), v, tc.opts...) }},
				{"Decode", func(v any) error { return Decode(strings.NewReader(tc.body), v, tc.opts...) }},
			} {
				var got account
				err := decode.fn(&got)
				if tc.errHas != "" {
					if err == nil || !strings.Contains(err.Error(), tc.errHas) {
						t.Fatalf("%s(%q) = %v, want an error containing %q", decode.how, tc.body, err, tc.errHas)
					}
					if strings.Contains(err.Error(), "strictjson.account") {
						t.Fatalf("%s(%q): %v names our Go type, which means nothing to a client", decode.how, tc.body, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s(%q): %v", decode.how, tc.body, err)
				}
				if name := deref(got.Name); name != tc.want {
					t.Fatalf("%s(%q) decoded name %q, want %q", decode.how, tc.body, name, tc.want)
				}
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestDecodeBoundedBody(t *testing.T) {
	Convey("Given a request body larger than its http.MaxBytesReader bound", t, func() {
		body := `{"name":"` + strings.Repeat("a", 100) + `"}`
		req := httptest.NewRequest(http.MethodPost, "/accounts", strings.NewReader(body))
		r := http.MaxBytesReader(httptest.NewRecorder(), req.Body, 50)

		Convey("Decode fails with the *http.MaxBytesError, so the handler can answer 413", func() {
			var got account
			err := Decode(r, &got)
			var tooLarge *http.MaxBytesError
			So(errors.As(err, &tooLarge), ShouldBeTrue)
		})
	})
	Convey("Given a reader that fails", t, func() {
		broken := io.MultiReader(bytes.NewReader([]byte(`{"name":`)), iotestErrReader{})
		Convey("Decode wraps its error", func() {
			var got account
			So(errors.Is(Decode(broken, &got), errBroken), ShouldBeTrue)
		})
	})
}

var errBroken = errors.New("connection reset")

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errBroken }
