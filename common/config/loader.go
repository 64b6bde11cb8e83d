package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// Loader fetches the raw property sources, most specific first.
type Loader interface {
	Load(ctx context.Context) ([]PropertySource, error)
}

// ErrNoPropertySources is returned (wrapped) when a loader finds nothing at all
// for the application: a missing config directory, or a config server whose
// repository has no file for it. Retrying does not help.
var ErrNoPropertySources = errors.New("no property sources")

// maxResponseBytes bounds the config server response read into memory.
const maxResponseBytes = 16 << 20

// defaultHTTPTimeout bounds a config server request when the caller passes no client.
const defaultHTTPTimeout = 10 * time.Second

// NewRemoteLoader returns a Loader reading GET {serverURL}/{app}/{profile}[/{label}]
// from a Spring Cloud Config server. profile may list several profiles
// ("dev,swarm"); a "/" in label is sent as "(_)", as Spring expects. A nil
// client means one with a 10 s timeout. Credentials in serverURL
// (http://user:pass@host:8888) are sent as basic auth and never logged.
func NewRemoteLoader(serverURL, app, profile, label string, client *http.Client) Loader {
	if client == nil {
		client = &http.Client{Timeout: defaultHTTPTimeout}
	}
	return &remoteLoader{server: serverURL, app: app, profile: profile, label: label, client: client}
}

type remoteLoader struct {
	server, app, profile, label string
	client                      *http.Client
}

func (l *remoteLoader) String() string {
	return fmt.Sprintf("config server %s (%s)", RedactURL(l.server), l.target())
}

func (l *remoteLoader) target() string {
	t := l.app + "/" + l.profile
	if l.label != "" {
		t += "/" + l.label
	}
	return t
}

// environment is the JSON body of the config server's /{app}/{profile} endpoint.
type environment struct {
	Name            string            `json:"name"`
	Profiles        []string          `json:"profiles"`
	PropertySources *[]propertySource `json:"propertySources"`
}

type propertySource struct {
	Name   string         `json:"name"`
	Source map[string]any `json:"source"`
}

func (l *remoteLoader) requestURL() (string, error) {
	if l.app == "" || l.profile == "" {
		return "", fmt.Errorf("config server request needs an application and a profile (got %q, %q)", l.app, l.profile)
	}
	base, err := url.Parse(l.server)
	if err != nil {
		return "", fmt.Errorf("parsing config server URL: %w", err)
	}
	if (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return "", fmt.Errorf("config server URL %q: want http(s)://host[:port][/path]", RedactURL(l.server))
	}
	parts := []string{url.PathEscape(l.app), url.PathEscape(l.profile)}
	if l.label != "" {
		segs := strings.Split(l.label, "/")
		for i, seg := range segs {
			segs[i] = url.PathEscape(seg)
		}
		parts = append(parts, strings.Join(segs, "(_)"))
	}
	return strings.TrimRight(base.String(), "/") + "/" + strings.Join(parts, "/"), nil
}

// Load fetches the property sources, validating the status and the JSON.
func (l *remoteLoader) Load(ctx context.Context) ([]PropertySource, error) {
	u, err := l.requestURL()
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("building config server request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	where := fmt.Sprintf("config server %s for %s", RedactURL(l.server), l.target())
	resp, err := l.client.Do(req)
	if err != nil {
		// *url.Error prints the URL; ours is already in "where", without the password.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("requesting %s: %w", where, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading response of %s: %w", where, err)
	}
	if len(body) > maxResponseBytes {
		return nil, fmt.Errorf("response of %s exceeds %d bytes", where, maxResponseBytes)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s: %s", where, resp.Status, snippet(body))
	}
	ctype := resp.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ctype); ctype != "" && (err != nil || !strings.Contains(mt, "json")) {
		return nil, fmt.Errorf("%s answered %q, not JSON: %s", where, ctype, snippet(body))
	}
	sources, err := decodeEnvironment(body, where)
	if err != nil {
		return nil, err
	}
	if len(sources) == 0 {
		return nil, fmt.Errorf("%s serves nothing for %s (check the application name and the repository): %w",
			where, l.target(), ErrNoPropertySources)
	}
	return sources, nil
}

// decodeEnvironment reads the config server's JSON answer. It is our own
// server's answer, so it is read with encoding/json (not common/strictjson:
// Jackson's output needs no such guard), keeping numbers exact; malformed
// input is an error naming where it came from, never a panic.
func decodeEnvironment(body []byte, where string) ([]PropertySource, error) {
	var env environment
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keep integers exact
	if err := dec.Decode(&env); err != nil {
		return nil, fmt.Errorf("decoding JSON of %s: %w (body: %s)", where, err, snippet(body))
	}
	if env.PropertySources == nil {
		return nil, fmt.Errorf("response of %s has no \"propertySources\": %s", where, snippet(body))
	}
	out := make([]PropertySource, 0, len(*env.PropertySources))
	for i, ps := range *env.PropertySources {
		if ps.Source == nil {
			return nil, fmt.Errorf("property source #%d (%q) of %s has no \"source\" object", i, ps.Name, where)
		}
		out = append(out, PropertySource(ps))
	}
	return out, nil
}

// snippet returns the start of a response body, printable, for error messages.
func snippet(b []byte) string {
	const max = 200
	s := strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return ' '
	}, string(b))
	s = strings.TrimSpace(s)
	if len(s) > max {
		s = s[:max] + "…"
	}
	if s == "" {
		return "<empty body>"
	}
	return s
}

// NewLocalLoader returns a Loader reading the config repository's YAML files
// from dir, with the config server's precedence for app and profile:
// {app}-{profile}.yml > application-{profile}.yml > {app}.yml > application.yml
// (".yaml" is read too, after ".yml"). With several profiles ("dev,swarm") the
// last one wins. Within a multi-document file later documents win, and a
// document with spring.config.activate.on-profile (or spring.profiles) applies
// only when it names an active profile ("p" or "!p"). Comment-only files give
// no property source, as on the server.
func NewLocalLoader(dir, app, profile string) Loader {
	return &localLoader{dir: dir, app: app, profile: profile}
}

type localLoader struct {
	dir, app, profile string
}

func (l *localLoader) String() string {
	return fmt.Sprintf("config directory %s (%s/%s)", l.dir, l.app, l.profile)
}

func (l *localLoader) profiles() []string {
	var ps []string
	for _, p := range strings.Split(l.profile, ",") {
		if p = strings.TrimSpace(p); p != "" {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		ps = []string{"default"} // Spring's profile when none is active
	}
	return ps
}

// candidates lists the base names to read, most specific first.
func (l *localLoader) candidates() []string {
	ps := l.profiles()
	var names []string
	seen := make(map[string]bool)
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	for i := len(ps) - 1; i >= 0; i-- {
		add(l.app + "-" + ps[i])
		add("application-" + ps[i])
	}
	add(l.app)
	add("application")
	return names
}

// Load reads the files, most specific first.
func (l *localLoader) Load(ctx context.Context) ([]PropertySource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if l.app == "" {
		return nil, errors.New("local config needs an application name")
	}
	info, err := os.Stat(l.dir)
	if err != nil {
		return nil, fmt.Errorf("reading config directory: %w (%w)", err, ErrNoPropertySources)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("config directory %s is not a directory: %w", l.dir, ErrNoPropertySources)
	}
	active := make(map[string]bool)
	for _, p := range l.profiles() {
		active[p] = true
	}
	var sources []PropertySource
	var tried []string
	for _, name := range l.candidates() {
		for _, ext := range []string{".yml", ".yaml"} {
			path := filepath.Join(l.dir, name+ext)
			tried = append(tried, name+ext)
			data, err := os.ReadFile(path)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("reading config file: %w", err)
			}
			docs, err := parseYAML(data)
			if err != nil {
				return nil, fmt.Errorf("parsing config file %s: %w", path, err)
			}
			// Later documents win: add them first.
			for i := len(docs) - 1; i >= 0; i-- {
				flat := make(map[string]any)
				flattenInto(flat, "", docs[i])
				if len(flat) == 0 || !documentActive(flat, active) {
					continue
				}
				srcName := "file:" + path
				if len(docs) > 1 {
					srcName = fmt.Sprintf("%s (document #%d)", srcName, i)
				}
				sources = append(sources, PropertySource{Name: srcName, Source: flat})
			}
		}
	}
	if len(sources) == 0 {
		return nil, fmt.Errorf("config directory %s has none of %s: %w",
			l.dir, strings.Join(tried, ", "), ErrNoPropertySources)
	}
	return sources, nil
}

// documentActive applies a document's profile condition, if any.
func documentActive(flat map[string]any, active map[string]bool) bool {
	for _, key := range []string{"spring.config.activate.on-profile", "spring.profiles"} {
		cond, ok := flat[key]
		if !ok {
			continue
		}
		for _, p := range strings.Split(formatValue(cond), ",") {
			p = strings.TrimSpace(p)
			if neg, ok := strings.CutPrefix(p, "!"); ok {
				if !active[strings.TrimSpace(neg)] {
					return true
				}
			} else if active[p] {
				return true
			}
		}
		return false
	}
	return true
}

// Limits on what one config file may expand to: maxYAMLNodes bounds the nodes
// visited while expanding aliases (a "billion laughs" file must not exhaust
// memory), maxYAMLDepth bounds nesting (deep input must not exhaust the stack).
const (
	maxYAMLNodes = 1_000_000
	maxYAMLDepth = 1_000
)

// parseYAML decodes every document of a YAML file into nested maps, resolving
// scalars as Spring Boot's loader (SnakeYAML, YAML 1.1) does: unquoted
// yes/no/on/off are booleans, timestamps stay strings, null is kept (and
// flattened to "" later). Empty documents are skipped.
func parseYAML(data []byte) ([]map[string]any, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []map[string]any
	w := nodeWalker{budget: maxYAMLNodes, expanding: make(map[*yaml.Node]bool)}
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		v, err := w.value(&doc)
		if err != nil {
			return nil, err
		}
		switch t := v.(type) {
		case nil:
			continue // empty document
		case map[string]any:
			docs = append(docs, t)
		default:
			return nil, fmt.Errorf("line %d: a config document must be a mapping of keys to values", doc.Line)
		}
	}
}

// nodeWalker turns a yaml.Node tree into plain values within the limits
// above. yaml.v3 registers an anchor before parsing its children, so an alias
// can point at one of its own ancestors ("a: &x {b: *x}"); expanding records
// the anchors on the current path so such a cycle is an error, not an
// endless recursion.
type nodeWalker struct {
	budget    int
	depth     int
	expanding map[*yaml.Node]bool
}

func (w *nodeWalker) value(n *yaml.Node) (any, error) {
	w.budget--
	if w.budget < 0 {
		return nil, errors.New("document too large (alias expansion)")
	}
	w.depth++
	defer func() { w.depth-- }()
	if w.depth > maxYAMLDepth {
		return nil, fmt.Errorf("line %d: nested more than %d levels deep", n.Line, maxYAMLDepth)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return w.value(n.Content[0])
	case yaml.AliasNode:
		return w.alias(n)
	case yaml.SequenceNode:
		list := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := w.value(c)
			if err != nil {
				return nil, err
			}
			list = append(list, v)
		}
		return list, nil
	case yaml.MappingNode:
		return w.mapping(n)
	case yaml.ScalarNode:
		return scalarValue(n)
	default:
		return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
	}
}

func (w *nodeWalker) alias(n *yaml.Node) (any, error) {
	target := n.Alias
	if target == nil {
		return nil, fmt.Errorf("line %d: unknown alias", n.Line)
	}
	if w.expanding[target] {
		return nil, fmt.Errorf("line %d: alias *%s refers to a value that contains it", n.Line, n.Value)
	}
	w.expanding[target] = true
	defer delete(w.expanding, target)
	return w.value(target)
}

// mapping decodes a mapping, applying merge keys (<<: *base): explicit
// keys win over merged ones, earlier merged mappings over later ones.
func (w *nodeWalker) mapping(n *yaml.Node) (map[string]any, error) {
	explicit := make(map[string]any)
	var merged []map[string]any
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			val, err := w.value(v)
			if err != nil {
				return nil, err
			}
			switch t := val.(type) {
			case map[string]any:
				merged = append(merged, t)
			case []any:
				for _, e := range t {
					m, ok := e.(map[string]any)
					if !ok {
						return nil, fmt.Errorf("line %d: merge key needs mappings", k.Line)
					}
					merged = append(merged, m)
				}
			default:
				return nil, fmt.Errorf("line %d: merge key needs a mapping", k.Line)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			return nil, fmt.Errorf("line %d: keys must be scalars", k.Line)
		}
		val, err := w.value(v)
		if err != nil {
			return nil, err
		}
		explicit[k.Value] = val
	}
	out := make(map[string]any, len(explicit))
	for i := len(merged) - 1; i >= 0; i-- {
		for k, v := range merged[i] {
			out[k] = v
		}
	}
	for k, v := range explicit {
		out[k] = v
	}
	return out, nil
}

func scalarValue(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool", "!!int", "!!float":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	case "!!str":
		if n.Style == 0 { // plain: YAML 1.1 booleans, as SnakeYAML reads them
			switch n.Value {
			case "yes", "Yes", "YES", "on", "On", "ON":
				return true, nil
			case "no", "No", "NO", "off", "Off", "OFF":
				return false, nil
			}
		}
		return n.Value, nil
	default: // !!timestamp (Spring Boot keeps the text), !!binary, custom tags
		return n.Value, nil
	}
}
