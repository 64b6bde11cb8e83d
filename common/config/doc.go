// Package config is a Spring Cloud Config client for the Go services, and
// the way they read their settings from it.
//
// A Loader fetches property sources, most specific first, either from a
// Spring Cloud Config server (NewRemoteLoader) or from a directory holding the
// same YAML files as the server's repository (NewLocalLoader). Merge flattens
// and merges them into an immutable Snapshot (first source wins), and a Store
// swaps snapshots atomically when the configuration is reloaded (a bus
// refresh, see package bus).
//
// Both loaders yield the property sources the config server would serve:
// nested YAML is flattened to dotted keys, lists to key[0], key[1]…, a null
// value to "" (Spring's YamlProcessor rules). Keys are case-insensitive.
//
// A service reads its typed settings from a Snapshot with a Reader, which
// lists every invalid value at once, and keeps them in a Live, which Follow
// updates on every reload: an invalid refreshed value is warned about
// (RejectRefresh) and the last good one stays. Settings.Fields, masked by
// MaskFields, is what the service logs and shows.
//
// # Placeholders
//
// The config server serves "${…}" as written; a Spring client resolves it
// (PropertySourcesPlaceholderConfigurer, through Spring Framework's
// PropertyPlaceholderHelper and, since 6.2, PlaceholderParser). Store.Reload
// does the same after merging, in both modes, with Snapshot.Resolve:
//
//   - Only string values are resolved, including list elements (key[0]);
//     numbers and booleans keep their type, and keys are taken as written
//     ("${a}: x" defines the key "${a}"), as in Spring.
//   - ${key} is replaced by the value of key in the merged snapshot, so a
//     placeholder in application.yml takes the key from the most specific
//     source that defines it (accountservice-dev.yml before application.yml).
//     Lookup is case-insensitive, like every key of a Snapshot. A number or
//     boolean is inserted as text ("${server_port}" gives "6767").
//   - A key no source defines is looked up in the process environment, as
//     Spring's systemEnvironment property source (below the config server's
//     sources): the name as written, then with "." and "-" as "_", then the
//     same in upper case, so ${quotes.host} reads QUOTES_HOST.
//   - ${key:default} gives default when key is found nowhere. The default
//     runs from the first ":" to the matching "}", may be empty (${key:}),
//     and may contain ":" and placeholders (${a:${b:c}}).
//   - Placeholders nest: ${svc.${env}.url} resolves env first and then looks
//     up the key it builds; "{" and "}" inside a placeholder pair up.
//   - A value found for a placeholder is resolved again, so values can refer
//     to values. (Spring 6.2's PlaceholderParser inserts the raw value of a
//     key built from placeholders, ${svc.${env}.url}, without resolving it
//     again; we resolve it like any other, so no "${" is left over.)
//   - Escaping (Spring Framework 6.2, escape character "\"): "\${" gives a
//     literal "${" and the text after it is not a placeholder; "\:" inside a
//     placeholder is a literal ":" in its key (${a\:b} looks up "a:b"). A
//     backslash anywhere else stays. An inserted value is not parsed again
//     for escapes that its own key already resolved ("\${x}" in b, "${b}" in
//     a: a is "${x}"). Before 6.2 Spring had no escape.
//   - "${" without a matching "}" is kept as text.
//   - A key whose resolution reaches itself (a: ${a}, or a: ${b} with
//     b: ${a}) is an error naming the cycle: "a -> b -> a".
//   - A placeholder found nowhere, without a default, is an error naming the
//     key read, the placeholder, the value (masked) and the keys followed.
//   - A "{cipher}" value (absent from the snapshot, see Merge) is absent for
//     placeholders too: a default applies, else the error says it is still
//     encrypted. The config server decrypts before serving, so a decrypted
//     value containing "${…}" is resolved like any other.
//   - Unlike Spring, which resolves a value when it is read, every value is
//     resolved at load: a mistake in the repository fails the start (a
//     *PlaceholderError, not retried) instead of the first request that
//     reads the key, and a refresh that would leave a placeholder unresolved
//     is refused, keeping the last good snapshot, as for any invalid value.
//
// # Why not viper
//
// The design names spf13/viper; it was tried (v1.21.0) and does not fit:
//   - its remote providers (etcd, etcd3, consul, firestore, nats:
//     viper.SupportedRemoteProviders) do not speak the config server's
//     /{app}/{profile}/{label} API, so loading, merging the property sources
//     and refreshing would be ours anyway;
//   - a key set to null is unset for viper (IsSet false, Get nil, absent from
//     AllSettings), and a more specific source blanking a key with null unsets
//     it instead of making it "" as Spring does, so a code default would come
//     back where Spring turns the feature off;
//   - one *viper.Viper must not be read while a refresh rewrites it:
//     ReadConfig beside GetString is a data race under -race, and viper's
//     README says to synchronise access yourself; Store swaps immutable
//     snapshots instead;
//   - its flags are pflag's, which parse -profile as shorthand flags, so our
//     single-dash flags (-profile, -configServerUrl) would change.
//
// Viper lower-cases keys but looks them up case-insensitively, as Snapshot
// does; that alone would not have ruled it out.
package config
