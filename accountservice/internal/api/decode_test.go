package api_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

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
	})
}
