package config

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Placeholder syntax, as Spring's PropertyPlaceholderHelper is configured for
// the Environment: "${" prefix, "}" suffix, ":" between key and default, "\"
// escaping the prefix or the separator (Spring Framework 6.2).
const (
	placeholderPrefix = "${"
	placeholderSuffix = '}'
	placeholderOpen   = '{' // a "{" inside a placeholder nests, as in Spring's parser
	valueSeparator    = ':'
	escapeCharacter   = '\\'
)

// maxResolvedBytes bounds the text that resolving one snapshot's placeholders
// may produce: "a: ${b}${b}", "b: ${c}${c}", … doubles at every key, and a
// few dozen keys must not exhaust memory.
const maxResolvedBytes = 16 << 20

// LookupEnv looks up an environment variable, as os.LookupEnv does.
type LookupEnv func(name string) (string, bool)

// PlaceholderError reports a value whose Spring placeholders cannot be
// resolved: a key no source and no environment variable defines and that has
// no default, a key still encrypted, a circular reference, or a value that
// grows too large. Its message names the keys involved:
//
//	config: quotes_service_url: could not resolve placeholder ${quotes_hots} in value "http://${quotes_hots}/": no such key or environment variable, and no default
//	config: a: could not resolve placeholder ${c} in value "http://${c}/" of b (a -> b): no such key or environment variable, and no default
//	config: a: circular placeholder reference a -> b -> a
type PlaceholderError struct {
	// Key is the key whose value could not be resolved, lower-cased.
	Key string
	// Path lists the keys followed from Key (Path[0]) to the value that holds
	// the failing placeholder; for a circular reference it ends with the key
	// met a second time.
	Path []string
	// Value is the raw value of the last key of Path, masked as in Masked.
	Value string
	// Placeholder is the name that could not be resolved; "" for a circular
	// reference and for a value too large.
	Placeholder string
	// Reason says why: "no such key or environment variable, and no
	// default", "circular placeholder reference a -> b -> a", …
	Reason string
}

func (e *PlaceholderError) Error() string {
	if e.Placeholder == "" {
		return fmt.Sprintf("config: %s: %s", e.Key, e.Reason)
	}
	var of string
	if n := len(e.Path); n > 1 {
		of = fmt.Sprintf(" of %s (%s)", e.Path[n-1], strings.Join(e.Path, " -> "))
	}
	return fmt.Sprintf("config: %s: could not resolve placeholder ${%s} in value %q%s: %s",
		e.Key, e.Placeholder, e.Value, of, e.Reason)
}

// Resolve returns a copy of the snapshot in which every string value has its
// Spring property placeholders resolved against the snapshot's own keys,
// then against env (nil: no environment), by the rules in the package
// documentation. The snapshot itself is unchanged. It fails with an error
// joining one *PlaceholderError per key that cannot be resolved, in key order.
// A snapshot that Resolve returned is returned as it is: its values may hold
// a literal "${" from an escape, which must not be taken for a placeholder.
func (s *Snapshot) Resolve(env LookupEnv) (*Snapshot, error) {
	if s == nil {
		return Merge(nil), nil
	}
	if s.resolved {
		return s, nil
	}
	r := &resolver{
		values:      s.values,
		undecrypted: make(map[string]bool, len(s.undecrypted)),
		env:         env,
		done:        make(map[string]string),
		onPath:      make(map[string]bool),
		budget:      maxResolvedBytes,
	}
	for _, k := range s.undecrypted {
		r.undecrypted[k] = true
	}
	out := &Snapshot{
		values:      make(map[string]any, len(s.values)),
		undecrypted: s.undecrypted,
		sources:     s.sources,
		resolved:    true,
	}
	keys := make([]string, 0, len(s.values))
	for k := range s.values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		v := s.values[k]
		if _, ok := v.(string); ok {
			resolved, _, err := r.lookup(k)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			v = resolved
		}
		out.values[k] = v
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// resolver resolves the values of one snapshot, each key at most once.
type resolver struct {
	values      map[string]any
	undecrypted map[string]bool
	env         LookupEnv
	done        map[string]string // resolved values of the snapshot's keys
	path        []string          // keys being resolved, outermost first
	raw         []string          // their raw values
	onPath      map[string]bool
	budget      int // bytes the resolution may still produce
}

func (r *resolver) fail(placeholder, reason string) error {
	e := &PlaceholderError{Path: append([]string(nil), r.path...), Placeholder: placeholder, Reason: reason}
	if n := len(r.path); n > 0 {
		e.Key = r.path[0]
		e.Value = maskValue(r.path[n-1], r.raw[n-1])
	}
	return e
}

func (r *resolver) unresolvable(name string) error {
	if r.undecrypted[strings.ToLower(name)] {
		return r.fail(name, "its value is still encrypted ({cipher}) and there is no default")
	}
	return r.fail(name, "no such key or environment variable, and no default")
}

// lookup returns the resolved value of the placeholder name: the snapshot's
// key (case-insensitive), else an environment variable; ok is false when
// neither exists.
func (r *resolver) lookup(name string) (value string, ok bool, err error) {
	key := strings.ToLower(name)
	if v, ok := r.done[key]; ok {
		return v, true, nil
	}
	if r.onPath[key] {
		cycle := append(r.path[slices.Index(r.path, key):len(r.path):len(r.path)], key)
		return "", false, r.fail("", "circular placeholder reference "+strings.Join(cycle, " -> "))
	}
	raw, inSnapshot := r.values[key]
	var text string
	switch {
	case inSnapshot:
		str, isString := raw.(string)
		if !isString {
			return formatValue(raw), true, nil // only strings hold placeholders, as in Spring
		}
		text = str
	case r.undecrypted[key]:
		return "", false, nil // absent, as on a Spring client: a default applies
	default:
		v, found := r.lookupEnv(name)
		if !found {
			return "", false, nil
		}
		text = v
	}
	r.path, r.raw = append(r.path, key), append(r.raw, text)
	r.onPath[key] = true
	resolved, err := r.resolveText(text)
	delete(r.onPath, key)
	r.path, r.raw = r.path[:len(r.path)-1], r.raw[:len(r.raw)-1]
	if err != nil {
		return "", false, err
	}
	if inSnapshot {
		r.done[key] = resolved
	}
	return resolved, true, nil
}

// lookupEnv finds name in the environment as Spring's
// SystemEnvironmentPropertySource does: the name as written, with "." and/or
// "-" replaced by "_", then the same in upper case (${quotes.host} reads
// QUOTES_HOST).
func (r *resolver) lookupEnv(name string) (string, bool) {
	if r.env == nil || name == "" {
		return "", false
	}
	for _, n := range []string{name, strings.ToUpper(name)} {
		for _, candidate := range []string{
			n,
			strings.ReplaceAll(n, ".", "_"),
			strings.ReplaceAll(n, "-", "_"),
			strings.ReplaceAll(strings.ReplaceAll(n, ".", "_"), "-", "_"),
		} {
			if v, ok := r.env(candidate); ok {
				return v, true
			}
		}
	}
	return "", false
}

// resolveText resolves the placeholders of one raw value.
func (r *resolver) resolveText(text string) (string, error) {
	if !strings.Contains(text, placeholderPrefix) {
		return text, nil // the common case: nothing to parse
	}
	return r.resolveParts(parsePlaceholders(text))
}

func (r *resolver) resolveParts(parts []part) (string, error) {
	var b strings.Builder
	for _, p := range parts {
		s, err := r.resolvePart(p)
		if err != nil {
			return "", err
		}
		if len(s) > r.budget {
			return "", r.fail("", fmt.Sprintf("the configuration grows beyond %d bytes once placeholders are resolved", maxResolvedBytes))
		}
		r.budget -= len(s)
		b.WriteString(s)
	}
	return b.String(), nil
}

func (r *resolver) resolvePart(p part) (string, error) {
	switch p.kind {
	case textPart:
		return p.text, nil
	case simplePart:
		v, ok, err := r.lookup(p.key)
		switch {
		case err != nil:
			return "", err
		case ok:
			return v, nil
		case p.hasDefault:
			return p.def, nil // a simple placeholder's default holds no placeholder
		}
		return "", r.unresolvable(p.key)
	default: // nestedPart
		key, err := r.resolveParts(p.keyParts)
		if err != nil {
			return "", err
		}
		v, ok, err := r.lookup(key)
		switch {
		case err != nil:
			return "", err
		case ok:
			return v, nil
		case p.hasDefault:
			return r.resolveParts(p.defParts)
		}
		return "", r.unresolvable(key)
	}
}

type partKind int

const (
	textPart   partKind = iota // literal text
	simplePart                 // ${key} or ${key:default}, no placeholder inside
	nestedPart                 // a placeholder whose key or default holds placeholders
)

// part is one piece of a parsed value, after Spring 6.2's PlaceholderParser.
type part struct {
	kind       partKind
	text       string // textPart: the text
	key        string // simplePart: the key, escapes of ":" removed
	def        string // simplePart: the default, as written
	hasDefault bool
	keyParts   []part // nestedPart: the parts of the key
	defParts   []part // nestedPart: the parts of the default
}

// parsePlaceholders splits a value into text and placeholders.
func parsePlaceholders(value string) []part {
	p := placeholderParser{s: value, closing: matchBraces(value)}
	return p.parse(0, len(value), false)
}

// matchBraces maps the index of every "{" to the index of the "}" that closes
// it, counting every brace as Spring's parser does; -1 when none does. One
// pass, so a value of many "${" parses in linear time.
func matchBraces(s string) []int {
	closing := make([]int, len(s))
	var open []int
	for i := 0; i < len(s); i++ {
		closing[i] = -1
		switch s[i] {
		case placeholderOpen:
			open = append(open, i)
		case placeholderSuffix:
			if n := len(open); n > 0 {
				closing[open[n-1]] = i
				open = open[:n-1]
			}
		}
	}
	return closing
}

type placeholderParser struct {
	s       string
	closing []int
}

// parse parses s[lo:hi]. Inside a placeholder (inPlaceholder) the result is
// the one placeholder part that s[lo:hi] is the content of.
func (p *placeholderParser) parse(lo, hi int, inPlaceholder bool) []part {
	next := func(from int) int {
		if i := strings.Index(p.s[from:hi], placeholderPrefix); i >= 0 {
			return from + i
		}
		return -1
	}
	start := next(lo)
	if start < 0 {
		if inPlaceholder {
			return []part{simplePlaceholder(p.s[lo:hi])}
		}
		return []part{{kind: textPart, text: p.s[lo:hi]}}
	}
	var parts []part
	pos := lo
	for start >= 0 {
		end := p.closing[start+1]
		switch {
		case end < 0 || end >= hi: // no closing "}": the prefix is text
			parts = addText(parts, p.s[pos:start+len(placeholderPrefix)])
		case start > lo && p.s[start-1] == escapeCharacter: // \${: the prefix is text, without the escape
			if start-1 > pos {
				parts = addText(parts, p.s[pos:start-1])
			}
			parts = addText(parts, placeholderPrefix)
		default:
			parts = addText(parts, p.s[pos:start])
			parts = append(parts, p.parse(start+len(placeholderPrefix), end, true)...)
			pos = end + 1
			start = next(pos)
			continue
		}
		pos = start + len(placeholderPrefix)
		start = next(pos)
	}
	parts = addText(parts, p.s[pos:hi])
	if inPlaceholder {
		return []part{nestedPlaceholder(parts)}
	}
	return parts
}

// addText appends text, merged into a preceding text part.
func addText(parts []part, text string) []part {
	if text == "" {
		return parts
	}
	if n := len(parts); n > 0 && parts[n-1].kind == textPart {
		parts[n-1].text += text
		return parts
	}
	return append(parts, part{kind: textPart, text: text})
}

func simplePlaceholder(content string) part {
	key, def, hasDefault := splitKeyAndDefault(content)
	return part{kind: simplePart, key: key, def: def, hasDefault: hasDefault}
}

// nestedPlaceholder builds the placeholder whose content parsed into parts:
// the key runs up to the first unescaped ":" in a text part, the default is
// everything after it.
func nestedPlaceholder(parts []part) part {
	np := part{kind: nestedPart}
	for i, pt := range parts {
		if pt.kind != textPart {
			np.keyParts = append(np.keyParts, pt)
			continue
		}
		key, def, hasDefault := splitKeyAndDefault(pt.text)
		np.keyParts = addText(np.keyParts, key)
		if hasDefault {
			np.hasDefault = true
			np.defParts = addText(nil, def)
			np.defParts = append(np.defParts, parts[i+1:]...)
			return np
		}
	}
	return np
}

// splitKeyAndDefault splits at the first ":" not preceded by "\"; the escape
// before a ":" is removed, but only when the text has a ":" at all (as in
// Spring).
func splitKeyAndDefault(s string) (key, def string, hasDefault bool) {
	if !strings.ContainsRune(s, valueSeparator) {
		return s, "", false
	}
	var b strings.Builder
	pos := 0
	for {
		i := strings.IndexRune(s[pos:], valueSeparator)
		if i < 0 {
			b.WriteString(s[pos:])
			return b.String(), "", false
		}
		i += pos
		if i > 0 && s[i-1] == escapeCharacter {
			b.WriteString(s[pos : i-1])
			b.WriteByte(valueSeparator)
			pos = i + 1
			continue
		}
		b.WriteString(s[pos:i])
		return b.String(), s[i+1:], true
	}
}
