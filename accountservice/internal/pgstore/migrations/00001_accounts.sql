-- The accounts of accountservice (issue 9). Migrations only ever add: there is
-- no Down section, the service never migrates down, and a later change that
-- needs to drop or rewrite data is a new Up that keeps the old shape readable.

-- +goose Up
CREATE TABLE accounts (
    id   bigint PRIMARY KEY CHECK (id >= 0), -- an account id (common/accountid) as a number
    name text   NOT NULL
);

-- New ids. It starts at account.FirstID (10000); seeding moves it past the
-- seeded ids, so on a seeded database the first created account is 10100.
-- nextval is never rolled back and never hands a value out twice, whichever
-- replica asks.
CREATE SEQUENCE accounts_id_seq AS bigint MINVALUE 0 START WITH 10000 OWNED BY accounts.id;

-- One row per one-time step done on this database; 'seeded' marks the seed.
CREATE TABLE store_markers (
    name       text        PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);
