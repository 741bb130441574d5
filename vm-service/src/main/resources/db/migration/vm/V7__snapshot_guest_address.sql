-- The source VM's address and MAC when the snapshot was taken: a VM restored from it wakes with
-- them, and net-service builds its namespace around them (docs/snapshots.md). NULL in rows from
-- before this migration: such snapshots cannot be started from.
ALTER TABLE snapshots ADD COLUMN guest_ip TEXT;
ALTER TABLE snapshots ADD COLUMN guest_mac TEXT;
