package config

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// PropertySource is one named set of properties, as the config server serves it
// in "propertySources" (for example "file:/config-repo/accountservice-dev.yml").
// Source may be flat (dotted keys) or nested; Merge flattens it.
type PropertySource struct {
	Name   string
	Source map[string]any
}

// cipherPrefix marks a value the config server has not decrypted.
const cipherPrefix = "{cipher}"

// Snapshot is an immutable, merged view of property sources: for every key the
// value of the first (most specific) source that has it. Keys are dotted and
// case-insensitive. The zero value and a nil *Snapshot are empty snapshots.
//
// Values keep their types: strings, booleans, int64 and float64. The typed
// getters convert between them where the conversion is lossless (IntE("port")
// reads 6767 or "6767") and return the caller's default when the key is
// absent. A present value that cannot be converted is an error for the E
// getters (IntE, BoolE, DurationE, PortE, URLE).
type Snapshot struct {
	values      map[string]any
	undecrypted []string
	sources     []string
	resolved    bool // placeholders resolved (Resolve): values are final
}

// Merge flattens every source and merges them, the first source winning for
// each key. Values still starting with "{cipher}" (which the config server
// could not decrypt, or which were read from local files) and the server's
// "invalid.<key>": "<n/a>" markers make the key absent; they are listed by
// Undecrypted. An encrypted value still shadows the same key in less specific
// sources: falling back to a default there would silently use the wrong secret.
func Merge(sources []PropertySource) *Snapshot {
	s := &Snapshot{values: make(map[string]any)}
	shadowed := make(map[string]bool)
	for _, src := range sources {
		s.sources = append(s.sources, src.Name)
		flat := make(map[string]any, len(src.Source))
		flattenInto(flat, "", src.Source)
		keys := make([]string, 0, len(flat))
		for k := range flat {
			keys = append(keys, k)
		}
		sort.Strings(keys) // deterministic when one source has "Key" and "key"
		for _, k := range keys {
			v := flat[k]
			key := strings.ToLower(k)
			if rest, ok := strings.CutPrefix(key, "invalid."); ok && v == "<n/a>" {
				key, v = rest, cipherPrefix
			}
			if _, done := s.values[key]; done || shadowed[key] {
				continue
			}
			if str, ok := v.(string); ok && strings.HasPrefix(str, cipherPrefix) {
				shadowed[key] = true
				s.undecrypted = append(s.undecrypted, key)
				continue
			}
			s.values[key] = v
		}
	}
	sort.Strings(s.undecrypted)
	return s
}

// flattenInto applies Spring's YamlProcessor flattening: nested maps become
// dotted keys, lists key[0], key[1]…, an empty list "", a null value "".
// Scalars are normalized to string, bool, int64 or float64.
func flattenInto(out map[string]any, prefix string, v any) {
	join := func(k string) string {
		switch {
		case prefix == "":
			return k
		case strings.HasPrefix(k, "["):
			return prefix + k
		default:
			return prefix + "." + k
		}
	}
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			flattenInto(out, join(k), e)
		}
	case map[any]any:
		for k, e := range t {
			flattenInto(out, join(fmt.Sprint(k)), e)
		}
	case []any:
		if len(t) == 0 {
			out[prefix] = ""
			return
		}
		for i, e := range t {
			flattenInto(out, prefix+"["+strconv.Itoa(i)+"]", e)
		}
	default:
		if prefix != "" {
			out[prefix] = normalize(v)
		}
	}
}

// normalize maps the scalar types of YAML and JSON decoders onto the four
// types a Snapshot holds, so a local file and the server's JSON for the same
// file give equal snapshots.
func normalize(v any) any {
	switch t := v.(type) {
	case nil:
		return ""
	case string, bool, int64, float64:
		return t
	case int:
		return int64(t)
	case int8:
		return int64(t)
	case int16:
		return int64(t)
	case int32:
		return int64(t)
	case uint:
		return normalizeUint(uint64(t))
	case uint8:
		return int64(t)
	case uint16:
		return int64(t)
	case uint32:
		return int64(t)
	case uint64:
		return normalizeUint(t)
	case float32:
		return float64(t)
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		if f, err := t.Float64(); err == nil {
			return f
		}
		return t.String()
	case time.Time:
		return t.Format(time.RFC3339Nano)
	case fmt.Stringer:
		return t.String()
	default:
		return fmt.Sprint(t)
	}
}

func normalizeUint(u uint64) any {
	if u <= math.MaxInt64 {
		return int64(u)
	}
	return float64(u) // what a JSON decoder makes of it too
}

func (s *Snapshot) lookup(key string) (any, bool) {
	if s == nil {
		return nil, false
	}
	v, ok := s.values[strings.ToLower(key)]
	return v, ok
}

// String returns the value of key as a string, or def when key is absent.
// Numbers and booleans are formatted ("6767", "true").
func (s *Snapshot) String(key, def string) string {
	v, ok := s.lookup(key)
	if !ok {
		return def
	}
	return formatValue(v)
}

func formatValue(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case bool:
		return strconv.FormatBool(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	default:
		return fmt.Sprint(t)
	}
}

// ValueError reports a configuration value that is present but unusable: of
// the wrong type (server_port: abc), out of range, or not the URL it must be.
// Its message names the key, the value and what was expected:
//
//	config: server_port: "abc" is not an integer
type ValueError struct {
	Key   string // the key, as the caller spelled it
	Value string // the value, formatted; masked as in Masked when it may hold a secret
	Want  string // what the value should be: "an integer", "a TCP port (1-65535)", …
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("config: %s: %q is not %s", e.Key, e.Value, e.Want)
}

// invalid returns the *ValueError for value v of key, masked.
func invalid(key string, v any, want string) error {
	return &ValueError{Key: key, Value: maskValue(strings.ToLower(key), formatValue(v)), Want: want}
}

// IntE returns the value of key as an int: def and nil when key is absent,
// the value when it is an integer (a string holding one counts), else def
// and a *ValueError. An empty value is not an integer.
func (s *Snapshot) IntE(key string, def int) (int, error) {
	v, ok := s.lookup(key)
	if !ok {
		return def, nil
	}
	switch t := v.(type) {
	case int64:
		if t >= math.MinInt && t <= math.MaxInt {
			return int(t), nil
		}
	case float64:
		if t == math.Trunc(t) && t >= math.MinInt && t <= math.MaxInt {
			return int(t), nil
		}
	case string:
		if i, err := strconv.Atoi(strings.TrimSpace(t)); err == nil {
			return i, nil
		}
	}
	return def, invalid(key, v, "an integer")
}

// PortE returns the value of key as a TCP port: def and nil when key is
// absent, the value when it is an integer from 1 to 65535, else def and a
// *ValueError saying "an integer" or "a TCP port (1-65535)".
func (s *Snapshot) PortE(key string, def int) (int, error) {
	port, err := s.IntE(key, def)
	if err != nil {
		return def, err
	}
	if port < 1 || port > 65535 {
		return def, invalid(key, strconv.Itoa(port), "a TCP port (1-65535)")
	}
	return port, nil
}

// BoolE returns the value of key as a bool: def and nil when key is absent,
// the value when it is a boolean, else def and a *ValueError. Strings
// true/false, yes/no, on/off and 1/0 (any case) count, as they do for Spring.
func (s *Snapshot) BoolE(key string, def bool) (bool, error) {
	v, ok := s.lookup(key)
	if !ok {
		return def, nil
	}
	switch t := v.(type) {
	case bool:
		return t, nil
	case int64:
		if t == 0 || t == 1 {
			return t == 1, nil
		}
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true", "yes", "on", "1":
			return true, nil
		case "false", "no", "off", "0":
			return false, nil
		}
	}
	return def, invalid(key, v, "a boolean (true/false, yes/no, on/off, 1/0)")
}

// DurationE returns the value of key as a duration: def and nil when key is
// absent, the value when it is a duration, else def and a *ValueError. As in
// Spring Boot, a plain number means milliseconds (hystrix Timeout: 1000);
// strings take Go's units ("1.5s", "300ms", "2h45m") and Spring's "d" for
// days ("7d").
func (s *Snapshot) DurationE(key string, def time.Duration) (time.Duration, error) {
	v, ok := s.lookup(key)
	if !ok {
		return def, nil
	}
	switch t := v.(type) {
	case int64:
		if t <= math.MaxInt64/int64(time.Millisecond) && t >= math.MinInt64/int64(time.Millisecond) {
			return time.Duration(t) * time.Millisecond, nil
		}
	case float64:
		if ms := t * float64(time.Millisecond); !math.IsNaN(ms) && math.Abs(ms) < math.MaxInt64 {
			return time.Duration(ms), nil
		}
	case string:
		if d, ok := parseDuration(strings.TrimSpace(t)); ok {
			return d, nil
		}
	}
	return def, invalid(key, v, "a duration (milliseconds, or with a unit: 1.5s, 300ms, 7d)")
}

// URLE returns the value of key as a URL, surrounding space trimmed: def and
// nil when key is absent; "" and nil when the value is empty (a profile
// blanking the key: the feature is off, and the caller decides whether that
// is allowed); the value when it parses as a URL with one of schemes (any
// scheme when none is given) and a host; else def and a *ValueError, whose
// Value hides any password.
func (s *Snapshot) URLE(key, def string, schemes ...string) (string, error) {
	v, ok := s.lookup(key)
	if !ok {
		return def, nil
	}
	raw := strings.TrimSpace(formatValue(v))
	if raw == "" {
		return "", nil
	}
	want := "an absolute URL with a host"
	if len(schemes) > 0 {
		want = "an " + strings.Join(schemes, " or ") + " URL with a host"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" ||
		(len(schemes) > 0 && !slices.Contains(schemes, strings.ToLower(u.Scheme))) || (len(schemes) == 0 && u.Scheme == "") {
		return def, invalid(key, v, want)
	}
	return raw, nil
}

func parseDuration(s string) (time.Duration, bool) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms <= math.MaxInt64/int64(time.Millisecond) && ms >= math.MinInt64/int64(time.Millisecond) {
			return time.Duration(ms) * time.Millisecond, true
		}
		return 0, false
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err == nil && n >= 0 && n <= math.MaxInt64/int64(24*time.Hour) {
			return time.Duration(n) * 24 * time.Hour, true
		}
		return 0, false
	}
	d, err := time.ParseDuration(s)
	return d, err == nil
}

// Keys returns every key of the snapshot, lower-cased and sorted.
func (s *Snapshot) Keys() []string {
	if s == nil {
		return nil
	}
	keys := make([]string, 0, len(s.values))
	for k := range s.values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Undecrypted returns, sorted, the keys whose value still started with
// "{cipher}" and which the snapshot therefore treats as absent.
func (s *Snapshot) Undecrypted() []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s.undecrypted...)
}

// Sources returns the names of the merged property sources, most specific first.
func (s *Snapshot) Sources() []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s.sources...)
}

// Masked returns every key with its value formatted for a log line: values of
// keys that look secret (password, secret, token, credential, private key) are
// replaced by "*****", passwords inside URLs are redacted, and a URL with user
// info that does not parse is replaced whole.
func (s *Snapshot) Masked() map[string]string {
	out := make(map[string]string)
	if s == nil {
		return out
	}
	for k, v := range s.values {
		out[k] = maskValue(k, formatValue(v))
	}
	return out
}
