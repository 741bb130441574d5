-- net-service's durable facts (DESIGN.md §6, docs/net-service.md). Taps are runtime facts:
-- they live on the host, marked with a link alias, and are rebuilt from it at start-up.

-- Bridges EnsureBridge has set up. created = 1: banger made the link and may delete it;
-- 0: it was already there, so banger only uses it and never deletes it.
CREATE TABLE bridges (
    name        TEXT PRIMARY KEY,
    cidr        TEXT NOT NULL,
    created     INTEGER NOT NULL CHECK (created IN (0, 1)),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE leases (
    vm_id        TEXT PRIMARY KEY,
    vm_name      TEXT NOT NULL UNIQUE,
    bridge       TEXT NOT NULL REFERENCES bridges(name),
    ip_address   TEXT NOT NULL UNIQUE,
    mac_address  TEXT NOT NULL UNIQUE,
    nat          INTEGER NOT NULL DEFAULT 0 CHECK (nat IN (0, 1)),
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Addresses recently released, kept out of reuse while fresh (stale known_hosts pain);
-- released_at_ms is epoch milliseconds, compared against the configured quarantine.
CREATE TABLE released_addresses (
    ip_address      TEXT PRIMARY KEY,
    bridge          TEXT NOT NULL,
    released_at_ms  INTEGER NOT NULL
);

-- Small facts about this installation: its id (part of every tap mark) and whether banger
-- switched net.ipv4.ip_forward on (so it switches it back off, and only then).
CREATE TABLE host_settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
