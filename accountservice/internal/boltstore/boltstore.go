// Package boltstore is the account.Store and account.Outbox on an embedded
// bbolt database (go.etcd.io/bbolt, the maintained fork of
// github.com/boltdb/bolt).
//
// Every write is one read-write transaction; bbolt fsyncs on commit, so an
// account is on disk when Create returns.
package boltstore

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/openzipkin/zipkin-go"
	bolt "go.etcd.io/bbolt"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/common/accountid"
)

var (
	accountsBucket = []byte("accounts")
	metaBucket     = []byte("meta")
	nextIDKey      = []byte("next_id")
	seededKey      = []byte("seeded")
)

// record is the stored form of an account: only what does not change per request.
type record struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Store is an account.Store backed by a bbolt file.
type Store struct {
	db     *bolt.DB
	tracer *zipkin.Tracer
}

var _ account.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithTracer adds a child span around every read.
func WithTracer(t *zipkin.Tracer) Option { return func(s *Store) { s.tracer = t } }

// Open opens (creating if needed) the database at path. It gives up after
// lockTimeout when another process holds the file.
func Open(path string, lockTimeout time.Duration, opts ...Option) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return nil, fmt.Errorf("opening bolt database %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{accountsBucket, metaBucket, outboxBucket} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("creating bucket %s: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("initialising bolt database %s: %w", path, err)
	}
	s := &Store{db: db}
	for _, o := range opts {
		o(s)
	}
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.db.Path() }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Check is a health check: the database is open and readable.
func (s *Store) Check(context.Context) error {
	return s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(accountsBucket) == nil {
			return errors.New("accounts bucket missing")
		}
		return nil
	})
}

// Get returns the account with the given id.
func (s *Store) Get(ctx context.Context, id string) (account.Account, error) {
	if err := ctx.Err(); err != nil {
		return account.Account{}, err
	}
	if s.tracer != nil {
		var span zipkin.Span
		span, _ = s.tracer.StartSpanFromContext(ctx, "bolt get", zipkin.Tags(map[string]string{"account.id": id}))
		defer span.Finish()
	}
	var rec record
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(accountsBucket).Get([]byte(id))
		if v == nil {
			return fmt.Errorf("account %s: %w", id, account.ErrNotFound)
		}
		if err := json.Unmarshal(v, &rec); err != nil {
			return fmt.Errorf("decoding account %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return account.Account{}, err
	}
	return account.Account{ID: rec.ID, Name: rec.Name}, nil
}

// Create stores an account under the next free id, generated in the same
// transaction, and returns once the transaction is committed to disk.
func (s *Store) Create(ctx context.Context, name string) (account.Account, error) {
	if err := ctx.Err(); err != nil {
		return account.Account{}, err
	}
	var rec record
	err := s.db.Update(func(tx *bolt.Tx) error {
		accounts, meta := tx.Bucket(accountsBucket), tx.Bucket(metaBucket)
		next := nextID(meta)
		id := strconv.FormatUint(next, 10)
		for accounts.Get([]byte(id)) != nil {
			next++
			id = strconv.FormatUint(next, 10)
		}
		rec = record{ID: id, Name: name}
		if err := put(accounts, rec); err != nil {
			return err
		}
		return setNextID(meta, next+1)
	})
	if err != nil {
		return account.Account{}, fmt.Errorf("storing account: %w", err)
	}
	return account.Account{ID: rec.ID, Name: rec.Name}, nil
}

// Seed stores accounts unless the database was seeded before; existing ids
// are never overwritten.
func (s *Store) Seed(ctx context.Context, accounts []account.Account) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	seeded := false
	err := s.db.Update(func(tx *bolt.Tx) error {
		bucket, meta := tx.Bucket(accountsBucket), tx.Bucket(metaBucket)
		if meta.Get(seededKey) != nil {
			return nil
		}
		next := nextID(meta)
		for _, a := range accounts {
			n, err := accountid.Parse(a.ID)
			if err != nil {
				return fmt.Errorf("%w: %w", account.ErrInvalid, err)
			}
			if n >= next {
				next = n + 1
			}
			if bucket.Get([]byte(a.ID)) != nil {
				continue
			}
			if err := put(bucket, record{ID: a.ID, Name: a.Name}); err != nil {
				return err
			}
		}
		if err := setNextID(meta, next); err != nil {
			return err
		}
		seeded = true
		return meta.Put(seededKey, []byte(time.Now().UTC().Format(time.RFC3339)))
	})
	if err != nil {
		return false, fmt.Errorf("seeding accounts: %w", err)
	}
	return seeded, nil
}

func put(b *bolt.Bucket, rec record) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encoding account %s: %w", rec.ID, err)
	}
	if err := b.Put([]byte(rec.ID), v); err != nil {
		return fmt.Errorf("writing account %s: %w", rec.ID, err)
	}
	return nil
}

func nextID(meta *bolt.Bucket) uint64 {
	if v := meta.Get(nextIDKey); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return account.FirstID
}

func setNextID(meta *bolt.Bucket, n uint64) error {
	return meta.Put(nextIDKey, binary.BigEndian.AppendUint64(nil, n))
}
