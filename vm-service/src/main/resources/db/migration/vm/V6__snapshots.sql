-- Snapshots of VMs (docs/snapshots.md): what the VM was when it was taken, where its saved state
-- and disk copies are (a directory disk-service made), and their sizes. The source VM may be
-- deleted later; the snapshot keeps its own copy of what a restore needs.
CREATE TABLE snapshots (
    id                    TEXT PRIMARY KEY,    -- UUID
    name                  TEXT NOT NULL UNIQUE CHECK (name GLOB '[a-z0-9]*' AND length(name) <= 63),
    vm_id                 TEXT NOT NULL,
    vm_name               TEXT NOT NULL,
    image                 TEXT NOT NULL,
    kernel                TEXT NOT NULL,
    vcpu                  INTEGER NOT NULL CHECK (vcpu > 0),
    memory_mib            INTEGER NOT NULL CHECK (memory_mib > 0),
    work_disk_bytes       INTEGER NOT NULL,
    system_overlay_bytes  INTEGER NOT NULL,
    driver                TEXT NOT NULL,
    directory             TEXT NOT NULL,
    state_bytes           INTEGER NOT NULL,
    disk_bytes            INTEGER NOT NULL,
    created_at            TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
