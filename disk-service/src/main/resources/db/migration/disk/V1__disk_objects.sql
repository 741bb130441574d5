-- disk-service's record of what it created per VM, so removal is idempotent and a restart
-- can reconcile half-created state (DESIGN.md §5).
CREATE TABLE disk_objects (
    vm_id       TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('overlay', 'work_disk')),
    path        TEXT NOT NULL UNIQUE,
    strategy    TEXT NOT NULL CHECK (strategy IN ('dm_snapshot', 'reflink', 'sparse_copy', 'mkfs')),
    size_bytes  INTEGER NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (vm_id, kind)
);
