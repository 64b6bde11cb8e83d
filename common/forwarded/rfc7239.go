package forwarded

import (
	"errors"
	"fmt"
	"strings"
)

// firstElement parses a Forwarded field value (RFC 7239 section 4, the
// lines of the header joined with ",") and returns the parameters of its
// first non-empty element, names lower-cased (they are case-insensitive),
// quoted-string values unquoted. The whole value must be well-formed:
//
//	Forwarded         = 1#forwarded-element
//	forwarded-element = [ forwarded-pair ] *( ";" [ forwarded-pair ] )
//	forwarded-pair    = token "=" value
//	value             = token / quoted-string
//
// Optional white space is allowed around "," (RFC 9110's list rule) and
// around ";". A parameter that occurs twice in one element is an error
// (RFC 7239 section 4: "MUST NOT occur more than once").
func firstElement(s string) (map[string]string, error) {
	var result map[string]string
	p := parser{s: s}
	for {
		element, err := p.element()
		if err != nil {
			return nil, err
		}
		if result == nil && len(element) > 0 {
			result = element
		}
		p.skipOWS()
		if p.done() {
			break
		}
		if !p.consume(',') {
			return nil, fmt.Errorf("unexpected %q at %d", p.s[p.i], p.i)
		}
	}
	if result == nil {
		return nil, errors.New("no forwarded-pair")
	}
	return result, nil
}

// parser walks a Forwarded value byte by byte.
type parser struct {
	s string
	i int
}

func (p *parser) done() bool { return p.i >= len(p.s) }

func (p *parser) consume(c byte) bool {
	if !p.done() && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) skipOWS() {
	for !p.done() && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// element parses pairs separated by ";" up to the next "," or the end.
func (p *parser) element() (map[string]string, error) {
	params := map[string]string{}
	for {
		p.skipOWS()
		if !p.done() && p.s[p.i] != ',' && p.s[p.i] != ';' {
			name, value, err := p.pair()
			if err != nil {
				return nil, err
			}
			if _, dup := params[name]; dup {
				return nil, fmt.Errorf("parameter %q twice in one element", name)
			}
			params[name] = value
			p.skipOWS()
		}
		if !p.consume(';') {
			return params, nil
		}
	}
}

// pair parses token "=" value.
func (p *parser) pair() (name, value string, err error) {
	name = p.token()
	if name == "" {
		return "", "", fmt.Errorf("expected a parameter name at %d", p.i)
	}
	if !p.consume('=') {
		return "", "", fmt.Errorf("expected '=' after %q", name)
	}
	if !p.done() && p.s[p.i] == '"' {
		value, err = p.quoted()
		if err != nil {
			return "", "", err
		}
	} else if value = p.token(); value == "" {
		return "", "", fmt.Errorf("expected a value for %q", name)
	}
	return strings.ToLower(name), value, nil
}

// token reads RFC 9110 tchars.
func (p *parser) token() string {
	start := p.i
	for !p.done() && isTchar(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i]
}

// quoted reads an RFC 9110 quoted-string and returns it unquoted.
func (p *parser) quoted() (string, error) {
	start := p.i
	p.i++ // the opening quote
	var b strings.Builder
	for !p.done() {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return b.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.s) || !isQuotedPairChar(p.s[p.i+1]) {
				return "", fmt.Errorf("bad quoted-pair at %d", p.i)
			}
			b.WriteByte(p.s[p.i+1])
			p.i += 2
		case isQdtext(c):
			b.WriteByte(c)
			p.i++
		default:
			return "", fmt.Errorf("bad character %q in quoted-string at %d", c, p.i)
		}
	}
	return "", fmt.Errorf("unterminated quoted-string at %d", start)
}

func isTchar(c byte) bool {
	return isUnreserved(c) || strings.IndexByte("!#$%&'*+^`|", c) >= 0
}

// isQdtext: HTAB, SP, %x21, %x23-5B, %x5D-7E, obs-text.
func isQdtext(c byte) bool {
	return c == '\t' || c == ' ' || c == 0x21 || (0x23 <= c && c <= 0x5B) || (0x5D <= c && c <= 0x7E) || c >= 0x80
}

// isQuotedPairChar: HTAB, SP, VCHAR, obs-text.
func isQuotedPairChar(c byte) bool {
	return c == '\t' || c == ' ' || (0x21 <= c && c <= 0x7E) || c >= 0x80
}
