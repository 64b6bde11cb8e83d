package tracing

import (
	"encoding/binary"
	"slices"
	"time"

	"github.com/openzipkin/zipkin-go/model"
	"google.golang.org/protobuf/encoding/protowire"
)

// proto3Serializer encodes batches of spans as Zipkin's v2 protobuf,
// zipkin.proto3.ListOfSpans (zipkin-go's proto/zipkin_proto3/zipkin.proto,
// the schema Zipkin reads on /api/v2/spans), with protowire. The bytes are
// those of zipkin-go's zipkin_proto3.SpanSerializer marshalled
// deterministically (tags sorted by key), field for field: the ids as 16- and
// 8-byte big-endian, a parent id of 8 zero bytes for a root span, times in
// microseconds. zipkin-go's converts every span to generated structs and
// marshals them by reflection: about 17 allocations a span, one per tag key
// and value twice over (BenchmarkSerializeRequestSpans).
type proto3Serializer struct{}

// Field numbers of zipkin.proto.
const (
	listOfSpansSpans = 1

	spanTraceID        = 1
	spanParentID       = 2
	spanID             = 3
	spanKind           = 4
	spanName           = 5
	spanTimestamp      = 6
	spanDuration       = 7
	spanLocalEndpoint  = 8
	spanRemoteEndpoint = 9
	spanAnnotations    = 10
	spanTags           = 11
	spanDebug          = 12
	spanShared         = 13

	endpointServiceName = 1
	endpointIPv4        = 2
	endpointIPv6        = 3
	endpointPort        = 4

	annotationTimestamp = 1
	annotationValue     = 2

	mapEntryKey   = 1
	mapEntryValue = 2
)

// spanKinds are the values of zipkin.proto's Span.Kind; any other kind
// (none) is SPAN_KIND_UNSPECIFIED, 0, left out.
var spanKinds = map[model.Kind]uint64{
	model.Client:   1,
	model.Server:   2,
	model.Producer: 3,
	model.Consumer: 4,
}

// Serialize returns spans as one ListOfSpans; it never fails (a nil span is
// skipped, where zipkin-go's serializer fails the batch).
func (proto3Serializer) Serialize(spans []*model.SpanModel) ([]byte, error) {
	e := proto3Encoder{
		out:    make([]byte, 0, 320*len(spans)),
		span:   make([]byte, 0, 512),
		nested: make([]byte, 0, 128),
		keys:   make([]string, 0, 8),
	}
	for _, s := range spans {
		if s == nil {
			continue
		}
		e.span = e.appendSpan(e.span[:0], s)
		e.out = appendMessageField(e.out, listOfSpansSpans, e.span)
	}
	return e.out, nil
}

// ContentType is the media type Zipkin expects for the encoding.
func (proto3Serializer) ContentType() string { return "application/x-protobuf" }

// proto3Encoder holds the buffers of one Serialize: nested messages are
// encoded into a scratch buffer and then appended with their length.
type proto3Encoder struct {
	out, span, nested []byte
	keys              []string
}

func (e *proto3Encoder) appendSpan(b []byte, s *model.SpanModel) []byte {
	var id [16]byte
	binary.BigEndian.PutUint64(id[:8], s.TraceID.High)
	binary.BigEndian.PutUint64(id[8:], s.TraceID.Low)
	b = appendBytesField(b, spanTraceID, id[:])

	var parent [8]byte
	if s.ParentID != nil {
		binary.BigEndian.PutUint64(parent[:], uint64(*s.ParentID))
	}
	b = appendBytesField(b, spanParentID, parent[:])
	binary.BigEndian.PutUint64(id[:8], uint64(s.ID))
	b = appendBytesField(b, spanID, id[:8])

	if k := spanKinds[s.Kind]; k != 0 {
		b = protowire.AppendTag(b, spanKind, protowire.VarintType)
		b = protowire.AppendVarint(b, k)
	}
	b = appendStringField(b, spanName, s.Name)
	if !s.Timestamp.IsZero() {
		b = appendFixed64Field(b, spanTimestamp, uint64(s.Timestamp.Round(time.Microsecond).UnixNano()/1e3))
	}
	if d := uint64(s.Duration.Nanoseconds() / 1e3); d != 0 {
		b = protowire.AppendTag(b, spanDuration, protowire.VarintType)
		b = protowire.AppendVarint(b, d)
	}
	b = e.appendEndpoint(b, spanLocalEndpoint, s.LocalEndpoint)
	b = e.appendEndpoint(b, spanRemoteEndpoint, s.RemoteEndpoint)

	for _, a := range s.Annotations {
		n := e.nested[:0]
		if !a.Timestamp.IsZero() {
			n = appendFixed64Field(n, annotationTimestamp, uint64(a.Timestamp.UnixNano())/1e3)
		}
		n = appendStringField(n, annotationValue, a.Value)
		b = appendMessageField(b, spanAnnotations, n)
		e.nested = n
	}

	e.keys = e.keys[:0]
	for k := range s.Tags {
		e.keys = append(e.keys, k)
	}
	slices.Sort(e.keys)
	for _, k := range e.keys {
		// A map entry is a message of key and value, both always written.
		n := e.nested[:0]
		n = protowire.AppendTag(n, mapEntryKey, protowire.BytesType)
		n = protowire.AppendString(n, k)
		n = protowire.AppendTag(n, mapEntryValue, protowire.BytesType)
		n = protowire.AppendString(n, s.Tags[k])
		b = appendMessageField(b, spanTags, n)
		e.nested = n
	}

	if s.Debug {
		b = protowire.AppendTag(b, spanDebug, protowire.VarintType)
		b = protowire.AppendVarint(b, 1)
	}
	if s.Shared {
		b = protowire.AppendTag(b, spanShared, protowire.VarintType)
		b = protowire.AppendVarint(b, 1)
	}
	return b
}

// appendEndpoint appends ep as field num; nil is left out, an empty one is
// an empty message.
func (e *proto3Encoder) appendEndpoint(b []byte, num protowire.Number, ep *model.Endpoint) []byte {
	if ep == nil {
		return b
	}
	n := e.nested[:0]
	n = appendStringField(n, endpointServiceName, ep.ServiceName)
	n = appendBytesField(n, endpointIPv4, ep.IPv4)
	n = appendBytesField(n, endpointIPv6, ep.IPv6)
	if ep.Port != 0 {
		n = protowire.AppendTag(n, endpointPort, protowire.VarintType)
		n = protowire.AppendVarint(n, uint64(ep.Port))
	}
	e.nested = n
	return appendMessageField(b, num, n)
}

// appendBytesField appends v as field num, unless it is empty (proto3's
// default, not written).
func appendBytesField(b []byte, num protowire.Number, v []byte) []byte {
	if len(v) == 0 {
		return b
	}
	return appendMessageField(b, num, v)
}

// appendMessageField appends the encoded message m as field num, even empty.
func appendMessageField(b []byte, num protowire.Number, m []byte) []byte {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendBytes(b, m)
}

func appendStringField(b []byte, num protowire.Number, v string) []byte {
	if v == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, v)
}

func appendFixed64Field(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.Fixed64Type)
	return protowire.AppendFixed64(b, v)
}
