// Package pgstore is the account.Store on PostgreSQL (github.com/jackc/pgx/v5
// and its pool; no ORM), the store every replica of accountservice shares.
//
// Open applies the schema migrations (pressly/goose, the SQL files embedded
// from migrations/) under a PostgreSQL advisory lock, so when several replicas
// start at once one migrates and the others wait. Ids come from the sequence
// accounts_id_seq; every statement runs under the caller's context bounded by
// a query timeout, and each connection sets synchronous_commit=on, so Create
// returns only once its row's commit record is flushed to the server's WAL on
// disk: an acknowledged account survives a crash of PostgreSQL itself
// (https://www.postgresql.org/docs/15/runtime-config-wal.html#GUC-SYNCHRONOUS-COMMIT).
//
// A database that is down, restarting or slower than the timeout gives errors
// wrapping account.ErrUnavailable; the pool reconnects by itself when the
// server is back (a connection idle for more than a second is pinged before
// use), so the Store needs no reopening.
//
// It is the account.Outbox too (outbox.go): the table vip_outbox, claimed
// with FOR UPDATE SKIP LOCKED and a lease so the replicas' relays keep apart.
//
// What it relies on from the server: sequences, ON CONFLICT, unnest of
// arrays, session advisory locks (migrations), READ COMMITTED isolation, the
// uuid type and FOR UPDATE SKIP LOCKED.
package pgstore

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/openzipkin/zipkin-go"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/sirupsen/logrus"

	"github.com/goblog/accountservice/internal/account"
	"github.com/goblog/common/accountid"
)

// Defaults of the options.
const (
	// DefaultQueryTimeout bounds every statement, connecting included, when
	// the caller's context has no earlier deadline.
	DefaultQueryTimeout = 3 * time.Second
	// DefaultConnectTimeout bounds one connection attempt unless the URL
	// sets connect_timeout.
	DefaultConnectTimeout = 3 * time.Second
	// DefaultMaxConnIdleTime closes a pooled connection left idle this long,
	// unless the URL sets pool_max_conn_idle_time (pgxpool's own default:
	// 30 minutes).
	DefaultMaxConnIdleTime = time.Minute
	// DefaultHealthCheckPeriod is how often the pool looks for connections
	// to close, unless the URL sets pool_health_check_period (pgxpool's own
	// default: 1 minute). The look is local: no statement is sent.
	DefaultHealthCheckPeriod = 15 * time.Second
)

// Migration bookkeeping: goose's version table and the advisory lock key
// that serializes the replicas' migrations (an arbitrary constant, distinct
// from goose's default so other goose users of the database do not block us).
const (
	versionTable  = "accountservice_schema_version"
	migrationLock = int64(0x4f3a1c27)
)

// migrations are the schema's SQL files, applied in order of their number.
//
//go:embed migrations/*.sql
var migrations embed.FS

// Store is an account.Store on a PostgreSQL database, safe for concurrent use.
type Store struct {
	pool         *pgxpool.Pool
	tracer       *zipkin.Tracer
	log          logrus.FieldLogger
	queryTimeout time.Duration
}

var _ account.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithTracer adds a child span around every read and create.
func WithTracer(t *zipkin.Tracer) Option { return func(s *Store) { s.tracer = t } }

// WithLogger logs the migrations applied and, while Open waits for the
// database, each failed attempt.
func WithLogger(l logrus.FieldLogger) Option { return func(s *Store) { s.log = l } }

// WithQueryTimeout bounds every statement (default DefaultQueryTimeout); a
// statement that takes longer fails with account.ErrUnavailable.
func WithQueryTimeout(d time.Duration) Option { return func(s *Store) { s.queryTimeout = d } }

// Open connects to the database at url (a postgres:// URL or a libpq
// key=value string; pool_max_conns and the other pgxpool parameters apply,
// with the store's defaults where it sets none: see poolConfig) and migrates
// its schema. While the database is unreachable it retries with
// a growing pause (up to 10 s) until ctx is done, logging each attempt; an
// error the server answers (wrong password, no such database, a failing
// migration) ends it at once.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cfg, err := poolConfig(url)
	if err != nil {
		return nil, err
	}

	s := &Store{queryTimeout: DefaultQueryTimeout}
	for _, o := range opts {
		o(s)
	}
	if s.log == nil {
		l := logrus.New()
		l.SetLevel(logrus.PanicLevel)
		s.log = l
	}
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("creating the PostgreSQL pool: %w", err)
	}
	if err := s.migrateWhenReachable(ctx); err != nil {
		s.pool.Close()
		return nil, err
	}
	return s, nil
}

// poolConfig parses url (as Open takes it) into the pool's configuration
// with the store's defaults for what the URL leaves out: DefaultConnectTimeout,
// DefaultMaxConnIdleTime, DefaultHealthCheckPeriod, application_name
// "accountservice"; and synchronous_commit on, whatever the URL says.
//
// Why idle connections close after a minute (issue 13, item 3): a load grows
// the pool to its pool_max_conns (default 4), and with pgxpool's defaults the
// extra connections stayed open for 30 minutes. Each holds its statement
// cache, its type plans and its buffers: 0.5 MB of the 1.1 MB a 100-user load
// left live in accountservice's heap on Swarm (heap profile after the
// load), besides a PostgreSQL backend each. Closed 60-75 s after the load,
// they are garbage by the time server.IdleReturn returns the memory (95 s).
// The outbox relay, polling every 5 s, keeps one connection in use.
func poolConfig(url string) (*pgxpool.Config, error) {
	// pgxpool.ParseConfig drops its pool_* parameters once read: look for
	// them first. pgx's parse errors never echo the password.
	conn, err := pgconn.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parsing postgres_url: %w", err)
	}
	_, idleSet := conn.RuntimeParams["pool_max_conn_idle_time"]
	_, periodSet := conn.RuntimeParams["pool_health_check_period"]

	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parsing postgres_url: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 { // the URL has no connect_timeout
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	if !idleSet {
		cfg.MaxConnIdleTime = DefaultMaxConnIdleTime
	}
	if !periodSet {
		cfg.HealthCheckPeriod = DefaultHealthCheckPeriod
	}
	// Whatever the server's default: a commit is acknowledged once flushed.
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "accountservice"
	}
	return cfg, nil
}

// migrateWhenReachable migrates, retrying while the database is unreachable.
func (s *Store) migrateWhenReachable(ctx context.Context) error {
	pause := 500 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := s.migrate(ctx)
		if err == nil {
			return nil
		}
		if !errors.Is(err, account.ErrUnavailable) || ctx.Err() != nil {
			return err
		}
		pause = min(2*pause, 10*time.Second)
		s.log.WithError(err).WithFields(logrus.Fields{"attempt": attempt, "retryIn": pause.String()}).
			Warn("PostgreSQL is not reachable yet; retrying")
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("waiting for PostgreSQL: %w (last error: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// migrate applies the migrations not applied yet. goose holds a session
// advisory lock meanwhile; another replica migrating at the same time polls
// for it every second (for up to 5 minutes), then finds nothing left to do.
func (s *Store) migrate(ctx context.Context) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("reading embedded migrations: %w", err) // unreachable: the path is fixed
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLock), lock.WithLockTimeout(1, 300))
	if err != nil {
		return fmt.Errorf("creating the migration lock: %w", err)
	}
	db := stdlib.OpenDBFromPool(s.pool)
	defer func() { _ = db.Close() }() // closes the database/sql view only, not the pool
	provider, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithSessionLocker(locker), goose.WithTableName(versionTable), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("preparing migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return classify("migrating the schema", err)
	}
	for _, r := range results {
		s.log.WithFields(logrus.Fields{"version": r.Source.Version, "file": r.Source.Path, "took": r.Duration.String()}).
			Info("schema migration applied")
	}
	return nil
}

// Close closes every connection of the pool, waiting for those in use.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Check is a health check: the database answers a ping within the query
// timeout. Its error wraps account.ErrUnavailable.
func (s *Store) Check(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	if err := s.pool.Ping(ctx); err != nil {
		return classify("pinging PostgreSQL", err)
	}
	return nil
}

// Get returns the account with the given id. An id that is not an account
// id, or does not fit PostgreSQL's bigint, names no account: ErrNotFound.
func (s *Store) Get(ctx context.Context, id string) (account.Account, error) {
	if err := ctx.Err(); err != nil {
		return account.Account{}, err
	}
	if s.tracer != nil {
		var span zipkin.Span
		span, ctx = s.tracer.StartSpanFromContext(ctx, "postgres get", zipkin.Tags(map[string]string{"account.id": id}))
		defer span.Finish()
	}
	n, err := accountid.Parse(id)
	if err != nil || n > math.MaxInt64 {
		return account.Account{}, fmt.Errorf("account %s: %w", id, account.ErrNotFound)
	}
	ctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	var name string
	err = s.pool.QueryRow(ctx, `SELECT name FROM accounts WHERE id = $1`, int64(n)).Scan(&name)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return account.Account{}, fmt.Errorf("account %s: %w", id, account.ErrNotFound)
	case err != nil:
		return account.Account{}, classify("reading account "+id, err)
	}
	return account.Account{ID: id, Name: name}, nil
}

// Create stores an account under the next value of the id sequence and
// returns once the insert is committed (synchronous_commit=on: flushed to
// the server's WAL). A value already taken (by a seed running at the same
// time) is skipped for the next one.
func (s *Store) Create(ctx context.Context, name string) (account.Account, error) {
	if err := ctx.Err(); err != nil {
		return account.Account{}, err
	}
	if s.tracer != nil {
		var span zipkin.Span
		span, ctx = s.tracer.StartSpanFromContext(ctx, "postgres create")
		defer span.Finish()
	}
	ctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	for {
		var id int64
		err := s.pool.QueryRow(ctx,
			`INSERT INTO accounts (id, name) VALUES (nextval('accounts_id_seq'), $1)
			 ON CONFLICT (id) DO NOTHING RETURNING id`, name).Scan(&id)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			continue // the id is taken; every nextval is a new value, so this ends
		case err != nil:
			return account.Account{}, classify("storing account", err)
		}
		return account.Account{ID: strconv.FormatInt(id, 10), Name: name}, nil
	}
}

// Seed stores accounts unless the database was seeded before, in one
// transaction: the 'seeded' marker row is inserted first, so of replicas
// seeding at the same time one seeds and the others wait for its commit and
// then find the marker. Existing ids are never overwritten, and the id
// sequence moves past the highest id stored.
func (s *Store) Seed(ctx context.Context, accounts []account.Account) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	ids := make([]int64, len(accounts))
	names := make([]string, len(accounts))
	for i, a := range accounts {
		n, err := accountid.Parse(a.ID)
		if err == nil && n > math.MaxInt64 {
			err = fmt.Errorf("account id %q is larger than PostgreSQL's bigint", a.ID)
		}
		if err != nil {
			return false, fmt.Errorf("seeding: %w: %w", account.ErrInvalid, err)
		}
		ids[i], names[i] = int64(n), a.Name
	}
	ctx, cancel := context.WithTimeout(ctx, s.queryTimeout)
	defer cancel()
	seeded := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO store_markers (name) VALUES ('seeded')
			ON CONFLICT (name) DO NOTHING RETURNING true`).Scan(&seeded)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // seeded before
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO accounts (id, name)
			SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT (id) DO NOTHING`, ids, names); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `SELECT setval('accounts_id_seq', GREATEST(
			(SELECT coalesce(max(id) + 1, 0) FROM accounts),
			(SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM accounts_id_seq)), false)`)
		return err
	})
	if err != nil {
		return false, classify("seeding accounts", err)
	}
	return seeded, nil
}

// classify wraps err with what was being done, and with
// account.ErrUnavailable unless the server answered with an error of its
// own that a retry would not cure (a constraint, a syntax error, a wrong
// password): no answer in time, a refused or lost connection and the
// server's connection, resource and shutdown errors (SQLSTATE classes 08,
// 53, 57) all mean "the database is not there for us right now".
func classify(doing string, err error) error {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && !serverUnavailable(pgErr.Code) {
		return fmt.Errorf("%s: %w", doing, err)
	}
	return fmt.Errorf("%s: %w: %w", doing, account.ErrUnavailable, err)
}

// serverUnavailable reports whether a SQLSTATE means the server cannot serve
// now: connection exception (08), insufficient resources (53: too many
// connections, disk full), operator intervention (57: shutdown, query
// cancelled by statement_timeout, cannot connect now). Appendix A of the
// PostgreSQL documentation lists the codes.
func serverUnavailable(code string) bool {
	if len(code) != 5 {
		return false
	}
	switch code[:2] {
	case "08", "53", "57":
		return true
	}
	return false
}
