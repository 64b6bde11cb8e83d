package boltstore_test

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/accountservice/internal/boltstore"
	"github.com/goblog/accountservice/internal/storetest"
)

func open(t testing.TB, path string) *boltstore.Store {
	t.Helper()
	s, err := boltstore.Open(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() }) // a second Close is a no-op
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) account.Store {
			return open(t, filepath.Join(t.TempDir(), "accounts.db"))
		},
		Reopen: func(t *testing.T, s account.Store) account.Store {
			bs := s.(*boltstore.Store)
			path := bs.Path()
			if err := bs.Close(); err != nil {
				t.Fatal(err)
			}
			return open(t, path)
		},
	})
}

func TestCheck(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "accounts.db"))
	if err := s.Check(context.Background()); err != nil {
		t.Fatalf("Check on an open store: %v", err)
	}
	_ = s.Close()
	if err := s.Check(context.Background()); err == nil {
		t.Fatal("Check on a closed store: want an error")
	}
}

func BenchmarkBoltGet(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "accounts.db"))
	ctx := context.Background()
	if _, err := s.Seed(ctx, account.SeedAccounts(100)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Get(ctx, strconv.Itoa(account.FirstID+i%100)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkBoltCreate is one read-write transaction, committed with an fsync.
func BenchmarkBoltCreate(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "accounts.db"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Create(ctx, "Bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBoltOutboxAdd is what a VIP read adds to its response time: one
// read-write transaction recording the notification, fsynced.
func BenchmarkBoltOutboxAdd(b *testing.B) {
	s := open(b, filepath.Join(b.TempDir(), "accounts.db"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		n := account.Notification{ID: uuid.Must(uuid.NewV7()).String(), AccountID: account.VIPID, ReadAt: time.Now()}
		if err := s.Add(ctx, n); err != nil {
			b.Fatal(err)
		}
	}
}
