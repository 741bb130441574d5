-- Idempotency record for mutating calls (DESIGN.md §3, §10): a retry with the same
-- request_id returns the stored outcome instead of acting twice.
CREATE TABLE request_log (
    request_id   TEXT    NOT NULL,
    method       TEXT    NOT NULL,
    caller_uid   INTEGER NOT NULL,
    response     BLOB,
    status_code  INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (request_id, method)
);
