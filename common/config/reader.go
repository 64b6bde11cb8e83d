package config

import (
	"errors"
	"strings"
	"time"
)

// Reader reads a service's settings from a Snapshot, one key at a time, into
// the fields of its settings struct, and collects the error of every invalid
// value instead of stopping at the first.
//
// A field whose value is invalid keeps the value it had: a service reads into
// a copy of its settings in effect, so that on a refresh an invalid value
// leaves the last good one in place (and at start, where Err fails the start,
// it does not matter). An absent key takes the default, as a restart would.
//
//	r := config.NewReader(snap)
//	r.Port(&s.ServerPort, "server_port", 6767)
//	if level, err := logging.LevelFrom(snap); r.Check(err) {
//		s.LogLevel = level
//	}
//	return s, r.Err()
type Reader struct {
	snap *Snapshot
	errs []error
}

// NewReader returns a Reader of snap.
func NewReader(snap *Snapshot) *Reader { return &Reader{snap: snap} }

// Check records err, when it is not nil, and reports whether it was nil: the
// value read with it may then be used. Errors that are not a *ValueError
// should name their key through CheckKey.
func (r *Reader) Check(err error) bool {
	if err == nil {
		return true
	}
	r.errs = append(r.errs, err)
	return false
}

// CheckKey is Check for a value read under key (a key or a prefix such as
// hystrix.command.quotes-service), whose error may not say so in a form
// RejectRefresh can log: it is recorded as a *KeyError.
func (r *Reader) CheckKey(key string, err error) bool {
	if err == nil {
		return true
	}
	return r.Check(&KeyError{Key: key, Err: err})
}

// Err is every recorded error, joined in the order read (one line each), or
// nil when every value was valid.
func (r *Reader) Err() error { return errors.Join(r.errs...) }

// String sets *dst to the value of key formatted as a string, def when absent.
func (r *Reader) String(dst *string, key, def string) {
	*dst = r.snap.String(key, def)
}

// Name sets *dst to the value of key, def when absent, or records a
// *ValueError saying it is not want ("a queue name") when it is blank.
func (r *Reader) Name(dst *string, key, def, want string) {
	v := r.snap.String(key, def)
	if strings.TrimSpace(v) == "" {
		r.Check(invalid(key, v, want))
		return
	}
	*dst = v
}

// Port sets *dst to the TCP port of key (Snapshot.PortE), def when absent.
func (r *Reader) Port(dst *int, key string, def int) {
	if v, err := r.snap.PortE(key, def); r.Check(err) {
		*dst = v
	}
}

// Bool sets *dst to the boolean of key (Snapshot.BoolE), def when absent.
func (r *Reader) Bool(dst *bool, key string, def bool) {
	if v, err := r.snap.BoolE(key, def); r.Check(err) {
		*dst = v
	}
}

// Duration sets *dst to the duration of key (Snapshot.DurationE), def when
// absent, or records a *ValueError when it is below min.
func (r *Reader) Duration(dst *time.Duration, key string, def, min time.Duration) {
	v, err := r.snap.DurationE(key, def)
	if err == nil && v < min {
		least := min.String()
		if min == 0 {
			least = "0"
		}
		err = &ValueError{Key: key, Value: v.String(), Want: "a duration of " + least + " or more"}
	}
	if r.Check(err) {
		*dst = v
	}
}

// URL sets *dst to the URL of key (Snapshot.URLE: "" when blanked), def
// when absent.
func (r *Reader) URL(dst *string, key, def string, schemes ...string) {
	if v, err := r.snap.URLE(key, def, schemes...); r.Check(err) {
		*dst = v
	}
}

// KeyError is the error of the value of Key; its message is Err's, which
// names the key already.
type KeyError struct {
	Key string
	Err error
}

func (e *KeyError) Error() string { return e.Err.Error() }
func (e *KeyError) Unwrap() error { return e.Err }

// keyOf is the key an error of a Reader names: its *KeyError's or its
// *ValueError's, "" when it has neither.
func keyOf(err error) string {
	var ke *KeyError
	if errors.As(err, &ke) {
		return ke.Key
	}
	var ve *ValueError
	if errors.As(err, &ve) {
		return ve.Key
	}
	return ""
}
