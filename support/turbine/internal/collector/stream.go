package collector

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/goblog/turbine/internal/aggregate"
)

// maxLine bounds one SSE line; a Hystrix event is a few KiB.
const maxLine = 1 << 20

var (
	errClosed = errors.New("stream closed by upstream")
	errIdle   = errors.New("stream idle")
)

// follow keeps one stream of addr open until ctx is cancelled, reconnecting
// with exponential backoff (with jitter) after every failure. A stream that
// delivered events resets the backoff.
func (c *Collector) follow(ctx context.Context, addr string) {
	url := "http://" + addr + c.cfg.StreamPath
	log := c.log.WithField("host", addr)
	backoff := c.cfg.MinBackoff
	for attempt := 1; ; attempt++ {
		n, err := c.readStream(ctx, url, addr)
		if ctx.Err() != nil {
			return
		}
		if n > 0 {
			backoff, attempt = c.cfg.MinBackoff, 1
		}
		entry := log.WithError(err).WithFields(map[string]any{"attempt": attempt, "retryIn": backoff.String()})
		if errors.Is(err, errIdle) || (errors.Is(err, errClosed) && n > 0) {
			entry.Debug("reconnecting to hystrix stream")
		} else {
			entry.Warn("hystrix stream failed")
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		backoff = min(2*backoff, c.cfg.MaxBackoff)
	}
}

// readStream reads one connection to url until it ends, storing every event
// under addr. It returns how many events it stored and why it ended.
func (c *Collector) readStream(ctx context.Context, url, addr string) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var idle atomic.Bool
	watchdog := time.AfterFunc(c.cfg.IdleTimeout, func() {
		idle.Store(true)
		cancel()
	})
	defer watchdog.Stop()

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, fmt.Errorf("building request for %s: %w", url, err)
	}
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("opening stream: %w", err) // err names the URL
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		return 0, fmt.Errorf("GET %s: status %s", url, resp.Status)
	}

	stored, bad := 0, 0
	dispatch := func(data []byte) {
		ev, err := decodeEvent(data)
		if err == nil && !c.store.Put(c.cluster.Name, addr, ev) {
			err = errors.New("event without type or name")
		}
		if err != nil {
			bad++
			entry := c.log.WithField("host", addr).WithError(err)
			if bad == 1 {
				entry.Warn("skipping bad hystrix event (further ones on this connection logged at debug)")
			} else {
				entry.Debug("skipping bad hystrix event")
			}
			return
		}
		stored++
	}
	err = readEvents(resp.Body, func() { watchdog.Reset(c.cfg.IdleTimeout) }, dispatch)
	switch {
	case idle.Load():
		return stored, fmt.Errorf("%s: nothing received for %s: %w", url, c.cfg.IdleTimeout, errIdle)
	case ctx.Err() != nil:
		return stored, ctx.Err()
	case err != nil:
		return stored, fmt.Errorf("reading %s: %w", url, err)
	default:
		return stored, fmt.Errorf("reading %s: %w", url, errClosed)
	}
}

// readEvents parses Server-Sent Events from r: "data:" lines (one optional
// space after the colon) are joined with "\n" and handed to dispatch at the
// blank line ending the event; comments (":…") and other fields are ignored.
// line is called for every line read. It returns nil at EOF.
func readEvents(r io.Reader, line func(), dispatch func([]byte)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 16*1024), maxLine)
	var data []byte
	pending := false
	for sc.Scan() {
		line()
		b := sc.Bytes()
		switch {
		case len(b) == 0:
			if pending {
				dispatch(data)
				data, pending = data[:0], false
			}
		case b[0] == ':':
			// comment, e.g. a keep-alive
		default:
			field, value, _ := bytes.Cut(b, []byte(":"))
			if string(field) != "data" {
				continue
			}
			value = bytes.TrimPrefix(value, []byte(" "))
			if pending {
				data = append(data, '\n')
			}
			data = append(data, value...)
			pending = true
		}
	}
	return sc.Err()
}

func decodeEvent(data []byte) (aggregate.Event, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var ev aggregate.Event
	if err := dec.Decode(&ev); err != nil {
		return nil, fmt.Errorf("decoding event %q: %w", abbreviate(data), err)
	}
	if dec.More() {
		return nil, fmt.Errorf("decoding event %q: trailing data", abbreviate(data))
	}
	if ev == nil {
		return nil, fmt.Errorf("decoding event %q: not an object", abbreviate(data))
	}
	return ev, nil
}

func abbreviate(b []byte) string {
	const n = 80
	if len(b) <= n {
		return string(b)
	}
	return strings.ToValidUTF8(string(b[:n]), "") + "…"
}
