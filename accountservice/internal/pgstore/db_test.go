package pgstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/goblog/accountservice/internal/pgstore"
)

// envURL names the PostgreSQL server of the tests and benchmarks: a
// superuser URL, e.g. the one `scripts/ensure-postgres.sh run` exports.
const envURL = "GOBLOG_TEST_POSTGRES_URL"

// serverURL returns the server's URL, or "" when none is configured.
func serverURL() string { return os.Getenv(envURL) }

// freshDatabase creates an empty database on the server at admin and returns
// its URL; the database is dropped when the test ends.
func freshDatabase(tb testing.TB, admin string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		tb.Fatalf("connecting to %s=%s: %v", envURL, admin, err)
	}
	defer func() { _ = conn.Close(context.Background()) }()
	name := "accounts_" + randomHex(tb)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("creating database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			tb.Errorf("connecting to drop database %s: %v", name, err)
			return
		}
		defer func() { _ = conn.Close(context.Background()) }()
		if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			tb.Errorf("dropping database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		tb.Fatalf("%s is not a URL: %v", envURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(tb testing.TB) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// open opens a store on dbURL, closed when the test ends.
func open(tb testing.TB, dbURL string, opts ...pgstore.Option) *pgstore.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := pgstore.Open(ctx, dbURL, opts...)
	if err != nil {
		tb.Fatalf("opening the store: %v", err)
	}
	tb.Cleanup(func() { _ = s.Close() })
	return s
}
