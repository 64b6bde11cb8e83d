// Package integration is the end-to-end suite of the goblog landscape: it runs
// against the local process landscape (scripts/landscape.sh up) and asserts the
// protocols between the Go services and the real JVM components (issue 3,
// "Integration suite"). The tests are behind the build tag `landscape`:
//
//	scripts/landscape.sh up
//	go test -race -tags landscape -count=1 ./integration/...
//
// or `scripts/test-integration.sh`, which starts and stops the landscape when it
// was not up. Base URLs are overridable by environment variables (see
// landscape_test.go); a run never prints a secret.
package integration
