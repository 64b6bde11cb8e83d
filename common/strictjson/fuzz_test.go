package strictjson

import (
	"bytes"
	"testing"
	"unicode/utf8"

	jsonv1 "encoding/json"
)

// FuzzUnmarshal: whatever the bytes, Unmarshal does not panic; a body it
// accepts is valid UTF-8 and, with unknown members refused, means for
// encoding/json what it means here (v1 is only more lenient, never stricter).
func FuzzUnmarshal(f *testing.F) {
	for _, seed := range []string{
		`{"name":"a"}`, `{"name":"a","name":"b"}`, `{"Name":"a"}`, "{\"name\":\"bad\xff\"}",
		`{"name":"a"} {"name":"b"}`, `{"name":"\ud800"}`, `{"name":null}`, `{"name":"a","x":1}`,
		`{"name":"a","x":{"y":1,"y":2}}`, "{\"name\":\"\xc0\xaf\"}", ``, `[`, `"\u0000"`,
	} {
		f.Add([]byte(seed), false)
		f.Add([]byte(seed), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, ignoreUnknown bool) {
		var opts []Option
		if ignoreUnknown {
			opts = append(opts, IgnoreUnknownMembers())
		}
		var got account
		if err := Unmarshal(data, &got, opts...); err != nil {
			return
		}
		if !utf8.Valid(data) {
			t.Fatalf("accepted invalid UTF-8: %q", data)
		}
		if ignoreUnknown {
			return // v1 would match "NAME" to the field that this rule ignores it for
		}
		var v1 account
		dec := jsonv1.NewDecoder(bytes.NewReader(data))
		if err := dec.Decode(&v1); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", data, err)
		}
		if deref(v1.Name) != deref(got.Name) {
			t.Fatalf("%q: name %q here, %q for encoding/json", data, deref(got.Name), deref(v1.Name))
		}
	})
}
