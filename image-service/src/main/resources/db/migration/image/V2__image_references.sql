-- VMs using an image, recorded by vm-service; an image is not deleted while any remain.
CREATE TABLE image_refs (
    image_id  TEXT NOT NULL REFERENCES images(id) ON DELETE CASCADE,
    vm_id     TEXT NOT NULL,
    added_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (image_id, vm_id)
);

-- Compressed bytes downloaded for an OCI image (0 for other sources).
ALTER TABLE images ADD COLUMN download_bytes INTEGER NOT NULL DEFAULT 0;
