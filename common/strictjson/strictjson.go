// Package strictjson decodes JSON that comes from outside the process (HTTP
// request bodies, AMQP messages, Spring Cloud Bus events) so that a value
// means exactly what its bytes say, or is refused.
//
// The rule, the same for every reader in goblog:
//
//   - one JSON value, nothing after it but white space (RFC 8259 §2);
//   - valid UTF-8 only, never replaced by U+FFFD (RFC 8259 §8.1);
//   - no object with the same member name twice (RFC 8259 §4 leaves the
//     meaning open; RFC 7493 I-JSON §2.3 forbids it);
//   - member names match struct field names exactly, case included;
//   - members the target type does not know are refused, unless the caller
//     passes IgnoreUnknownMembers (a message format that producers may extend).
//
// encoding/json (v1) breaks the first four silently: it takes the last of
// duplicate names, matches names regardless of case and replaces invalid
// UTF-8. The decoder here is github.com/go-json-experiment/json, the module
// that mirrors Go's encoding/json/v2 and whose defaults are the rule above;
// it needs no GOEXPERIMENT (with GOEXPERIMENT=jsonv2 it aliases the standard
// library's implementation).
package strictjson

import (
	"fmt"
	"io"
	"reflect"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Option relaxes one part of the rule for one call.
type Option func(*options)

type options struct {
	ignoreUnknown bool
}

// IgnoreUnknownMembers accepts object members that the target type has no
// field for and drops them. A name in another case than its field's is such
// a member: dropped, never taken for the field ({"NAME":"a"} leaves Name
// unset). Duplicate names and invalid UTF-8 are still refused, wherever they
// are.
func IgnoreUnknownMembers() Option {
	return func(o *options) { o.ignoreUnknown = true }
}

func jsonOptions(opts []Option) json.Options {
	var o options
	for _, fn := range opts {
		fn(&o)
	}
	// The v2 defaults already reject duplicate names and invalid UTF-8 and
	// match names case-sensitively; they are spelled out so that a change of
	// defaults cannot loosen the rule unnoticed.
	return json.JoinOptions(
		json.RejectUnknownMembers(!o.ignoreUnknown),
		json.MatchCaseInsensitiveNames(false),
		jsontext.AllowDuplicateNames(false),
		jsontext.AllowInvalidUTF8(false),
	)
}

// Unmarshal decodes data, which must hold exactly one JSON value, into v (a
// non-nil pointer). The error describes the first violation of the rule
// (with its byte offset) or of v's types.
func Unmarshal(data []byte, v any, opts ...Option) error {
	if err := json.Unmarshal(data, v, jsonOptions(opts)); err != nil {
		return fmt.Errorf("strict JSON: %w", withoutGoTypeName(err))
	}
	return nil
}

// withoutGoTypeName drops the name of the caller's struct, map or pointer
// type from a semantic error ("cannot unmarshal JSON string into Go
// api.createAccountRequest: unknown object member name"): the message
// may reach a client, which knows the JSON, not our types. A basic type
// ("into Go string") is kept.
func withoutGoTypeName(err error) error {
	se, ok := err.(*json.SemanticError)
	if !ok || se.GoType == nil {
		return err
	}
	switch se.GoType.Kind() {
	case reflect.Struct, reflect.Map, reflect.Pointer, reflect.Interface:
		c := *se
		c.GoType = nil
		return &c
	}
	return err
}

// Decode reads r to its end and decodes the one JSON value it holds into v,
// as Unmarshal does. The caller bounds r (http.MaxBytesReader); an error of
// r, such as *http.MaxBytesError, is wrapped unchanged. An empty r is
// io.ErrUnexpectedEOF.
func Decode(r io.Reader, v any, opts ...Option) error {
	if err := json.UnmarshalRead(r, v, jsonOptions(opts)); err != nil {
		return fmt.Errorf("strict JSON: %w", withoutGoTypeName(err))
	}
	return nil
}
