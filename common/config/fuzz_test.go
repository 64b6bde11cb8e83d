package config

import "testing"

// FuzzParseYAML: no config file, however broken, panics the loader.
func FuzzParseYAML(f *testing.F) {
	for _, seed := range []string{
		"a: 1\nb:\n  c: [x, {d: yes}]\n", "---\na: 1\n---\nspring.profiles: dev\n", "base: &b {x: 1}\nc:\n  <<: *b\n",
		"a: [unclosed\n", "- list\n", "a: !!binary aGk=\n", "? [complex]\n: key\n", "a: *unknown\n",
		"a: &x {b: *x}\n", "a: &x [1, {c: *x}]\n",
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
		for _, k := range snap.Keys() {
			_ = snap.String(k, "")
			_ = durationOf(snap, k, 0)
		}
	})
}
