-- The address and MAC net-service leased (a copy for listing; net-service owns the lease), and
-- the request_id of the CreateVm that made the VM, so a retried create returns the same VM.
ALTER TABLE vms ADD COLUMN ip_address TEXT;
ALTER TABLE vms ADD COLUMN mac_address TEXT;
ALTER TABLE vms ADD COLUMN create_request_id TEXT;
CREATE UNIQUE INDEX vms_create_request ON vms (create_request_id) WHERE create_request_id IS NOT NULL;
