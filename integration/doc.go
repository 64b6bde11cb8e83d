// Package integration is the end-to-end suite of the goblog landscape: it runs
// against the local process landscape (scripts/landscape.sh up) and asserts the
// protocols between the Go services and the real JVM components (issue 3,
// "Integration suite"). The tests are behind the build tag `landscape`:
//
//	scripts/landscape.sh up
//	go test -race -tags landscape -count=1 ./integration/...
//
// or `scripts/test-integration.sh`, which starts and stops the landscape when it
// was not up. The landscape checks access tokens as Swarm does (issue 11): the
// suite fetches one for goblog-machine through the edge (client credentials,
// LANDSCAPE_CLIENT_ID, LANDSCAPE_CLIENT_SECRET_FILE, default
// ../.secrets/auth_client_secret_goblog-machine) and its default transport
// sends it on every request to the edge and the services (main_test.go). Base URLs are overridable by environment variables (see
// landscape_test.go); a run never prints a secret.
//
// The stories the Swarm suite (e2e/) tells too are package systest's, written
// once: the read through the edge (edge_test.go), the quotes-service outage
// (outage_test.go) and the config refresh through the bus (config_test.go).
// This suite tells them through processEnv (env_test.go): an instance is a
// process known by its pid file, stopping is kill -9, starting is
// landscape.sh start, a config change is a commit to the runtime config repo
// announced with POST /monitor. What only the landscape can show stays here:
// the config server's sources and cipher, the broker users of each pid, bad
// input to the JVMs.
package integration
