package config

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	. "github.com/smartystreets/goconvey/convey"
)

// fakeEnv is an environment of the given variables.
func fakeEnv(vars map[string]string) LookupEnv {
	return func(name string) (string, bool) {
		v, ok := vars[name]
		return v, ok
	}
}

// TestResolvePlaceholders: the value of "v" once resolved, by Spring's rules
// (PropertyPlaceholderHelper / PlaceholderParser of Spring Framework 6.2).
func TestResolvePlaceholders(t *testing.T) {
	base := map[string]any{
		"a":                 "x",
		"b":                 "${a}",
		"quotes_host":       "localhost:8080",
		"env":               "dev",
		"svc.dev.url":       "http://dev",
		"svc.prod.url":      "http://${quotes_host}/prod",
		"port":              6767,
		"enabled":           true,
		"ratio":             0.5,
		"empty":             "",
		"escaped":           `\${a}`,
		"a:b":               "colon key",
		"dollar":            "$",
		"servers[0]":        "${a}-0",
		"Mixed.Case":        "mc",
		"db.password":       "{cipher}AQA5bm90",
		"braces":            "{a}",
		"from.env.fallback": "${HOME_DIR}",
	}
	env := fakeEnv(map[string]string{
		"HOME_DIR":    "/home/goblog",
		"QUOTES_PORT": "8080",
		"a":           "env-a",
		"chain":       "${a}!",
	})
	cases := []struct {
		name, value, want string
	}{
		{"plain text", "plain", "plain"},
		{"one placeholder", "${a}", "x"},
		{"the issue's URL", "http://${quotes_host}/api/quote?strength=4", "http://localhost:8080/api/quote?strength=4"},
		{"several placeholders", "${a}:${a}/${env}", "x:x/dev"},
		{"a value that is a placeholder is resolved again", "${b}", "x"},
		{"keys are case-insensitive", "${A}-${mixed.case}", "x-mc"},
		{"a number is inserted as text", "${port}", "6767"},
		{"a boolean and a float", "${enabled}/${ratio}", "true/0.5"},
		{"an empty value", "[${empty}]", "[]"},
		{"a list element", "${servers[0]}", "x-0"},
		{"default unused", "${a:other}", "x"},
		{"default used", "${missing:fallback}", "fallback"},
		{"empty default", "[${missing:}]", "[]"},
		{"default holds a colon", "${missing:http://h:1}", "http://h:1"},
		{"default holds a placeholder", "${missing:${a}}", "x"},
		{"defaults nest", "${m1:${m2:deep}}", "deep"},
		{"default of an empty key", "${:d}", "d"},
		{"key built from a placeholder", "${svc.${env}.url}", "http://dev"},
		{"built key whose value has placeholders", "${svc.${missing:prod}.url}", "http://localhost:8080/prod"},
		{"built key with a default", "${svc.${env}.nothing:none}", "none"},
		{"escaped prefix", `\${a}`, "${a}"},
		{"escaped prefix amid text", `pre\${a}post${a}`, "pre${a}postx"},
		{"an escaped value is not resolved again", "${escaped}", "${a}"},
		{"escaped separator in the key", `${a\:b}`, "colon key"},
		{"escaped separator, then a default", `${a\:c:d}`, "d"},
		{"a backslash elsewhere stays", `C:\dir\${a}\x`, `C:\dir${a}\x`},
		{"unclosed placeholder is text", "${a", "${a"},
		{"unclosed, then a placeholder", "${a ${a}", "${a x"},
		{"dollar without brace", "$a and {a}", "$a and {a}"},
		{"dollar before a placeholder", "$${a}", "$x"},
		{"inserted text is not parsed again", "${dollar}{a}", "${a}"},
		{"braces inside a default", "${missing:{x}}", "{x}"},
		{"environment variable", "${HOME_DIR}/data", "/home/goblog/data"},
		{"environment variable, relaxed name", "${quotes.port}", "8080"},
		{"the snapshot wins over the environment", "${a}", "x"},
		{"an environment value is resolved too", "${chain}", "x!"},
		{"placeholder in a value found in another key", "${from.env.fallback}", "/home/goblog"},
		{"encrypted key with a default", "${db.password:none}", "none"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := map[string]any{"v": tc.value}
			for k, v := range base {
				src[k] = v
			}
			snap, err := Merge([]PropertySource{{Name: "test", Source: src}}).Resolve(env)
			if err != nil {
				t.Fatalf("resolving %q: %v", tc.value, err)
			}
			if got := snap.String("v", "<absent>"); got != tc.want {
				t.Fatalf("%q resolved to %q, want %q", tc.value, got, tc.want)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	cases := []struct {
		name    string
		source  map[string]any
		key     string   // PlaceholderError.Key
		path    []string // PlaceholderError.Path
		message []string // parts of the message
	}{
		{"unknown key", map[string]any{"url": "http://${quotes_hots}/api"}, "url", []string{"url"},
			[]string{"url: could not resolve placeholder ${quotes_hots}", `"http://${quotes_hots}/api"`, "no default"}},
		{"unknown key in a default", map[string]any{"url": "${m1:${m2}}"}, "url", []string{"url"},
			[]string{"placeholder ${m2}"}},
		{"unknown built key", map[string]any{"url": "${svc.${env}.url}", "env": "dev"}, "url", []string{"url"},
			[]string{"placeholder ${svc.dev.url}"}},
		{"unknown key, reached through another", map[string]any{"a": "${b}", "b": "http://${c}/"}, "a", []string{"a", "b"},
			[]string{"a: could not resolve placeholder ${c}", `"http://${c}/" of b (a -> b)`}},
		{"a key that refers to itself", map[string]any{"a": "x${a}"}, "a", []string{"a"},
			[]string{"a: circular placeholder reference a -> a"}},
		{"a cycle of two keys", map[string]any{"a": "${b}", "b": "${A}"}, "a", []string{"a", "b"},
			[]string{"a: circular placeholder reference a -> b -> a"}},
		{"a cycle through a default", map[string]any{"a": "${missing:${a}}"}, "a", []string{"a"},
			[]string{"circular placeholder reference a -> a"}},
		{"a cycle through a built key", map[string]any{"a": "${x.${a}}"}, "a", []string{"a"},
			[]string{"circular placeholder reference a -> a"}},
		{"an encrypted key without a default", map[string]any{"url": "amqp://u:${db.password}@h", "db.password": "{cipher}AQA"},
			"url", []string{"url"}, []string{"placeholder ${db.password}", "still encrypted"}},
		{"a secret key's value is masked", map[string]any{"db.password": "hunter2${nope}"}, "db.password", []string{"db.password"},
			[]string{`"*****"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Merge([]PropertySource{{Name: "test", Source: tc.source}}).Resolve(nil)
			var pe *PlaceholderError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *PlaceholderError", err)
			}
			if pe.Key != tc.key || strings.Join(pe.Path, ",") != strings.Join(tc.path, ",") {
				t.Fatalf("error for key %q path %v, want %q %v (%v)", pe.Key, pe.Path, tc.key, tc.path, err)
			}
			for _, m := range tc.message {
				if !strings.Contains(pe.Error(), m) {
					t.Fatalf("message %q does not contain %q", pe.Error(), m)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("message %q shows a secret", err)
			}
		})
	}
}

func TestResolveSnapshot(t *testing.T) {
	Convey("Given the issue's repository: a placeholder in application.yml, its key in accountservice-dev.yml", t, func() {
		sources := []PropertySource{
			{Name: "accountservice-dev.yml", Source: map[string]any{"quotes_host": "localhost:8080"}},
			{Name: "accountservice.yml", Source: map[string]any{"quotes_host": "quotes-service:8080", "server_port": 6767}},
			{Name: "application.yml", Source: map[string]any{
				"quotes_service_url": "http://${quotes_host}/api/quote?strength=4",
				"${literal.key}":     "keys are not resolved",
				"servers":            []any{"${quotes_host}", 2},
			}},
		}
		merged := Merge(sources)
		snap, err := merged.Resolve(nil)
		So(err, ShouldBeNil)

		Convey("the placeholder takes the most specific source's value of the key", func() {
			url, err := snap.URLE("quotes_service_url", "", "http", "https")
			So(err, ShouldBeNil)
			So(url, ShouldEqual, "http://localhost:8080/api/quote?strength=4")
		})
		Convey("list elements are resolved; non-string values keep their type", func() {
			So(snap.String("servers[0]", ""), ShouldEqual, "localhost:8080")
			second, err := snap.IntE("servers[1]", 0)
			So(err, ShouldBeNil)
			So(second, ShouldEqual, 2)
			So(snap.values["server_port"], ShouldEqual, int64(6767))
		})
		Convey("keys are taken as written, as Spring does", func() {
			So(snap.String("${literal.key}", ""), ShouldEqual, "keys are not resolved")
		})
		Convey("resolving again changes nothing: an escaped \\${ stays literal", func() {
			withEscape, err := Merge([]PropertySource{{Name: "t", Source: map[string]any{"t": `\${x}`}}}).Resolve(nil)
			So(err, ShouldBeNil)
			again, err := withEscape.Resolve(nil)
			So(err, ShouldBeNil)
			So(again.String("t", ""), ShouldEqual, "${x}")
		})
		Convey("the merged snapshot is left as it was", func() {
			So(merged.String("quotes_service_url", ""), ShouldEqual, "http://${quotes_host}/api/quote?strength=4")
			So(snap.Sources(), ShouldResemble, merged.Sources())
		})
	})

	Convey("Given several values that cannot be resolved", t, func() {
		_, err := Merge([]PropertySource{{Name: "t", Source: map[string]any{
			"b": "${nope}", "a": "${a}", "ok": "${b:fine}",
		}}}).Resolve(nil)

		Convey("the error names every key, in key order", func() {
			So(err, ShouldNotBeNil)
			msg := err.Error()
			So(msg, ShouldContainSubstring, "a: circular placeholder reference a -> a")
			So(msg, ShouldContainSubstring, "b: could not resolve placeholder ${nope}")
			So(msg, ShouldContainSubstring, "ok: could not resolve placeholder ${nope}") // b exists: no default
			So(strings.Index(msg, "a: circular"), ShouldBeLessThan, strings.Index(msg, "b: could"))
		})
	})

	Convey("Given values that double at every key (a billion laughs)", t, func() {
		src := map[string]any{"k0": strings.Repeat("x", 1024)}
		for i := 1; i <= 40; i++ {
			src["k"+strconv.Itoa(i)] = "${k" + strconv.Itoa(i-1) + "}${k" + strconv.Itoa(i-1) + "}"
		}
		_, err := Merge([]PropertySource{{Name: "t", Source: src}}).Resolve(nil)

		Convey("resolution stops with an error instead of exhausting memory", func() {
			So(err, ShouldNotBeNil)
			So(err.Error(), ShouldContainSubstring, "grows beyond")
		})
	})

	Convey("Given a nil snapshot", t, func() {
		var s *Snapshot
		snap, err := s.Resolve(nil)
		So(err, ShouldBeNil)
		So(snap.Keys(), ShouldBeEmpty)
	})
}
