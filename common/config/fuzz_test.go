package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseYAML: no config file, however broken, panics the loader.
func FuzzParseYAML(f *testing.F) {
	for _, seed := range []string{
		"a: 1\nb:\n  c: [x, {d: yes}]\n", "---\na: 1\n---\nspring.profiles: dev\n", "base: &b {x: 1}\nc:\n  <<: *b\n",
		"a: [unclosed\n", "- list\n", "a: !!binary aGk=\n", "? [complex]\n: key\n", "a: *unknown\n",
		"a: &x {b: *x}\n", "a: &x [1, {c: *x}]\n",
		"host: h\nurl: http://${host}/\n", "a: ${b}\nb: ${a}\n", "a: [${x:1}, '\\${y}']\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		docs, err := parseYAML(data)
		if err != nil {
			return
		}
		var sources []PropertySource
		for _, d := range docs {
			sources = append(sources, PropertySource{Name: "fuzz", Source: d})
		}
		snap := Merge(sources)
		if resolved, err := snap.Resolve(nil); err == nil {
			snap = resolved
		}
		for _, k := range snap.Keys() {
			_ = snap.String(k, "")
			_ = durationOf(snap, k, 0)
		}
	})
}

// FuzzResolvePlaceholders: whatever three values hold, Resolve does not
// panic or hang, fails only with *PlaceholderError, leaves a value without
// "${" as it was, and gives the same answer twice.
func FuzzResolvePlaceholders(f *testing.F) {
	for _, seed := range [][3]string{
		{"${b}", "${c}", "x"},
		{"http://${quotes_host}/api", "${a}", "localhost:8080"},
		{"${a}", "", ""},
		{"${b}", "${a}", ""},
		{"${missing:${c}}", "${x.${c}:d}", "y"},
		{`\${b}`, `${a\:b:d}`, `C:\dir`},
		{"${", "${b", "}${"},
		{"${${${c}}}", "{{}}", "${c:}"},
		{"${ENV_VAR}", "${env.var}", "${env-var:${ENV_VAR}}"},
		{"$${b}", "${b}${b}${b}${b}", "${c}"},
		{"${d.password}", "{cipher}x", "${:}"},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}
	env := fakeEnv(map[string]string{"ENV_VAR": "from-env", "LOOP": "${LOOP}"})
	f.Fuzz(func(t *testing.T, a, b, c string) {
		src := map[string]any{"a": a, "b": b, "c": c, "n": 1}
		merged := Merge([]PropertySource{{Name: "fuzz", Source: src}})
		snap, err := merged.Resolve(env)
		again, err2 := merged.Resolve(env)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("two resolutions disagree: %v / %v", err, err2)
		}
		if err != nil {
			var pe *PlaceholderError
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a *PlaceholderError: %v", err)
			}
			return
		}
		for _, k := range merged.Keys() {
			raw := merged.String(k, "")
			got := snap.String(k, "")
			if got != again.String(k, "") {
				t.Fatalf("key %s resolved to %q, then %q", k, got, again.String(k, ""))
			}
			if !strings.Contains(raw, "${") && got != raw {
				t.Fatalf("key %s: %q without placeholders became %q", k, raw, got)
			}
		}
		if n, err := snap.IntE("n", 0); err != nil || n != 1 {
			t.Fatal("a non-string value changed")
		}
	})
}

// FuzzDecodeEnvironment: no config server answer, however malformed, panics
// the remote loader, the merge or the placeholder resolution.
func FuzzDecodeEnvironment(f *testing.F) {
	for _, seed := range []string{
		`{"name":"a","propertySources":[{"name":"f","source":{"a":1,"b":"${a}","c":[1,{"d":null}]}}]}`,
		`{"propertySources":[]}`, `{"propertySources":null}`, `{"propertySources":[{"name":"x"}]}`,
		`{"propertySources":[{"source":{"a":"x","a":"y"}}]}`, "{\"propertySources\":[{\"source\":{\"a\":\"\xff\"}}]}",
		`{"propertySources":[{"source":{"n":1e400,"m":-0,"k":12345678901234567890}}]}`, `[]`, `null`, ``,
		`{"propertySources":[{"source":{"invalid.a":"<n/a>","b":"${a:x}"}}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		sources, err := decodeEnvironment(body, "fuzz")
		if err != nil {
			return
		}
		snap := Merge(sources)
		if resolved, err := snap.Resolve(nil); err == nil {
			snap = resolved
		}
		for _, k := range snap.Keys() {
			_ = snap.String(k, "")
			_, _ = snap.IntE(k, 0)
		}
	})
}
