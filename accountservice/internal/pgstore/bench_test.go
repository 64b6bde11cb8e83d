package pgstore_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/goblog/accountservice/internal/account"
)

// Benchmarks run whenever a server is configured, without the integration
// tag, so `make bench` puts them next to the bbolt ones.

// benchStore opens a store on a fresh, seeded database.
func benchStore(b *testing.B) account.Store {
	admin := serverURL()
	if admin == "" {
		b.Skip("no PostgreSQL: set " + envURL + " (scripts/ensure-postgres.sh run -- go test -bench . does)")
	}
	s := open(b, freshDatabase(b, admin))
	if _, err := s.Seed(context.Background(), account.SeedAccounts(100)); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkPostgresGet is one read by primary key over a pooled TCP
// connection on the loopback.
func BenchmarkPostgresGet(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Get(ctx, strconv.Itoa(account.FirstID+i%100)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkPostgresCreate is one insert with its commit flushed to the WAL
// (synchronous_commit=on): mostly the server's fsync.
func BenchmarkPostgresCreate(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Create(ctx, "Bench"); err != nil {
			b.Fatal(err)
		}
	}
}
