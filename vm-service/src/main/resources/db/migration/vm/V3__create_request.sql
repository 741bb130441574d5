-- What the CreateVm that made a VM asked for, canonical (field=value lines), so a retry with the
-- same request_id is told from a reuse of that id for another request (ALREADY_EXISTS).
ALTER TABLE vms ADD COLUMN create_request TEXT;
