-- The VIP notification outbox (issue 9): a VIP read inserts a row before it
-- answers; the relay of any replica leases rows, publishes them with
-- publisher confirms and deletes each once the broker confirmed it. Only adds.

-- +goose Up
CREATE TABLE vip_outbox (
    id           uuid        PRIMARY KEY, -- the event id, a UUIDv7: its order is its age
    account_id   text        NOT NULL,
    read_at      timestamptz NOT NULL,
    trace        text        NOT NULL DEFAULT '', -- the read's B3 trace context, so the publish joins its trace
    leased_by    text,                    -- the relay publishing it now, if any
    leased_until timestamptz              -- until when the lease holds (server clock)
);
CREATE INDEX vip_outbox_read_at ON vip_outbox (read_at);
