-- image-service's catalog of built images and imported kernels.
CREATE TABLE kernels (
    id            TEXT PRIMARY KEY,            -- UUID
    name          TEXT NOT NULL UNIQUE,
    version       TEXT NOT NULL,
    vmlinux_path  TEXT NOT NULL,
    bzimage_path  TEXT,
    initrd_path   TEXT,
    modules_path  TEXT,
    created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE images (
    id              TEXT PRIMARY KEY,          -- UUID
    name            TEXT NOT NULL UNIQUE,
    source          TEXT NOT NULL CHECK (source IN ('oci', 'catalog', 'debian', 'registered')),
    origin          TEXT NOT NULL,             -- OCI reference, catalog URL or Debian suite
    digest          TEXT NOT NULL,
    rootfs_path     TEXT NOT NULL,
    rootfs_bytes    INTEGER NOT NULL,
    work_seed_path  TEXT,
    default_kernel  TEXT REFERENCES kernels(id) ON DELETE SET NULL,
    created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
