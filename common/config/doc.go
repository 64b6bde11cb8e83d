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
