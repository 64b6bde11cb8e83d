package tracing

import (
	"net/http"

	"github.com/openzipkin/zipkin-go/model"
	"github.com/openzipkin/zipkin-go/propagation"
	"github.com/openzipkin/zipkin-go/propagation/b3"
)

// The B3 headers (https://github.com/openzipkin/b3-propagation) as net/http
// keeps them: http.CanonicalHeaderKey of b3.TraceID and the others. zipkin-go
// names them in lower case, so its b3.ExtractHTTP and b3.InjectHTTP
// canonicalize every name on every request, an allocation each.
const (
	b3TraceIDKey      = "X-B3-Traceid"
	b3SpanIDKey       = "X-B3-Spanid"
	b3ParentSpanIDKey = "X-B3-Parentspanid"
	b3SampledKey      = "X-B3-Sampled"
	b3FlagsKey        = "X-B3-Flags"
	b3SingleKey       = "B3"
)

// extractB3 is b3.ExtractHTTP over headers whose names are canonical, as
// net/http's server makes them: the single b3 header when it parses, else the
// X-B3-* headers, parsed by zipkin-go (b3.ParseSingleHeader, b3.ParseHeaders).
func extractB3(h http.Header) propagation.Extractor {
	return func() (*model.SpanContext, error) {
		var sErr error
		if single := headerValue(h, b3SingleKey); single != "" {
			sc, err := b3.ParseSingleHeader(single)
			if err == nil {
				return sc, nil
			}
			sErr = err
		}
		sc, mErr := b3.ParseHeaders(
			headerValue(h, b3TraceIDKey), headerValue(h, b3SpanIDKey), headerValue(h, b3ParentSpanIDKey),
			headerValue(h, b3SampledKey), headerValue(h, b3FlagsKey),
		)
		if mErr != nil && sErr != nil {
			return nil, sErr
		}
		return sc, mErr
	}
}

// headerValue is h.Get(key) for a canonical key, without canonicalizing it.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// injectB3 sets the X-B3-* headers of sc on h, as b3.InjectHTTP does by
// default (multiple headers, no single b3 header): X-B3-Flags 1 for a debug
// context, else X-B3-Sampled 1 or 0 when decided; the trace, span and parent
// ids as lower-case hex (16 digits, 32 for a 128-bit trace id). An empty
// context sets nothing. The ids are formatted into one string and the values
// share one slice: 2 allocations, where b3.InjectHTTP makes 13 (fmt.Sprintf
// per id, a canonical name and a slice per header).
func injectB3(h http.Header, sc model.SpanContext) {
	if (model.SpanContext{}) == sc {
		return
	}
	values := make([]string, 0, 4)
	set := func(key, value string) {
		values = append(values, value)
		n := len(values)
		h[key] = values[n-1 : n : n]
	}
	switch {
	case sc.Debug:
		set(b3FlagsKey, "1")
	case sc.Sampled != nil && *sc.Sampled:
		set(b3SampledKey, "1")
	case sc.Sampled != nil:
		set(b3SampledKey, "0")
	}
	if sc.TraceID.Empty() || sc.ID == 0 {
		return
	}

	var buf [64]byte
	ids := buf[:0]
	if sc.TraceID.High != 0 {
		ids = appendHex16(ids, sc.TraceID.High)
	}
	ids = appendHex16(ids, sc.TraceID.Low)
	traceEnd := len(ids)
	ids = appendHex16(ids, uint64(sc.ID))
	spanEnd := len(ids)
	if sc.ParentID != nil {
		ids = appendHex16(ids, uint64(*sc.ParentID))
	}
	s := string(ids)
	set(b3TraceIDKey, s[:traceEnd])
	set(b3SpanIDKey, s[traceEnd:spanEnd])
	if sc.ParentID != nil {
		set(b3ParentSpanIDKey, s[spanEnd:])
	}
}

// appendHex16 appends v as 16 lower-case hex digits, zero-padded (%016x).
func appendHex16(b []byte, v uint64) []byte {
	const digits = "0123456789abcdef"
	for shift := 60; shift >= 0; shift -= 4 {
		b = append(b, digits[(v>>uint(shift))&0xf])
	}
	return b
}
