-- vm-service's durable facts about VMs (DESIGN.md §2). Runtime handles (pids, taps,
-- sockets) live in memory and vms/<id>/handles.json, not here.
CREATE TABLE vms (
    id                    TEXT PRIMARY KEY,    -- UUID
    name                  TEXT NOT NULL UNIQUE CHECK (name GLOB '[a-z0-9]*' AND length(name) <= 63),
    image                 TEXT NOT NULL,
    kernel                TEXT NOT NULL,
    vcpu                  INTEGER NOT NULL CHECK (vcpu > 0),
    memory_mib            INTEGER NOT NULL CHECK (memory_mib > 0),
    work_disk_bytes       INTEGER NOT NULL,
    system_overlay_bytes  INTEGER NOT NULL,
    nat                   INTEGER NOT NULL DEFAULT 0 CHECK (nat IN (0, 1)),
    driver                TEXT NOT NULL,
    state                 TEXT NOT NULL CHECK (state IN ('created', 'starting', 'running', 'stopping', 'stopped', 'error')),
    state_reason          TEXT,
    last_workspace        TEXT,
    created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    started_at            TEXT
);
