-- Uid of the caller that created the VM (peer credentials of its CreateVm); NULL for rows made
-- before owners were recorded. PruneVms deletes only the caller's VMs unless asked for all.
ALTER TABLE vms ADD COLUMN owner_uid INTEGER;
