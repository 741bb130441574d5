-- PauseVm (docs/vm-service.md): 'paused' joins the states. SQLite cannot change a CHECK
-- constraint in place, so the table is rebuilt with the same columns, in the same order.
CREATE TABLE vms_v5 (
    id                    TEXT PRIMARY KEY,
    name                  TEXT NOT NULL UNIQUE CHECK (name GLOB '[a-z0-9]*' AND length(name) <= 63),
    image                 TEXT NOT NULL,
    kernel                TEXT NOT NULL,
    vcpu                  INTEGER NOT NULL CHECK (vcpu > 0),
    memory_mib            INTEGER NOT NULL CHECK (memory_mib > 0),
    work_disk_bytes       INTEGER NOT NULL,
    system_overlay_bytes  INTEGER NOT NULL,
    nat                   INTEGER NOT NULL DEFAULT 0 CHECK (nat IN (0, 1)),
    driver                TEXT NOT NULL,
    state                 TEXT NOT NULL CHECK (state IN ('created', 'starting', 'running', 'paused', 'stopping', 'stopped', 'error')),
    state_reason          TEXT,
    last_workspace        TEXT,
    created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at            TEXT,
    ip_address            TEXT,
    mac_address           TEXT,
    create_request_id     TEXT,
    create_request        TEXT,
    owner_uid             INTEGER
);
INSERT INTO vms_v5 (id, name, image, kernel, vcpu, memory_mib, work_disk_bytes,
                    system_overlay_bytes, nat, driver, state, state_reason, last_workspace,
                    created_at, updated_at, started_at, ip_address, mac_address,
                    create_request_id, create_request, owner_uid)
    SELECT id, name, image, kernel, vcpu, memory_mib, work_disk_bytes,
           system_overlay_bytes, nat, driver, state, state_reason, last_workspace,
           created_at, updated_at, started_at, ip_address, mac_address,
           create_request_id, create_request, owner_uid
    FROM vms;
DROP TABLE vms;
ALTER TABLE vms_v5 RENAME TO vms;
CREATE UNIQUE INDEX vms_create_request ON vms (create_request_id) WHERE create_request_id IS NOT NULL;
