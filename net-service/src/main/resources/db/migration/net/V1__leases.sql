-- net-service's durable facts: bridges it created and IP leases (DESIGN.md §6).
CREATE TABLE bridges (
    name        TEXT PRIMARY KEY,
    cidr        TEXT NOT NULL,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE leases (
    vm_id        TEXT PRIMARY KEY,
    vm_name      TEXT NOT NULL,
    bridge       TEXT NOT NULL REFERENCES bridges(name),
    ip_address   TEXT NOT NULL UNIQUE,
    mac_address  TEXT NOT NULL UNIQUE,
    nat          INTEGER NOT NULL DEFAULT 0 CHECK (nat IN (0, 1)),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Addresses recently released, kept out of reuse for a while (stale known_hosts pain).
CREATE TABLE released_addresses (
    ip_address   TEXT PRIMARY KEY,
    released_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
