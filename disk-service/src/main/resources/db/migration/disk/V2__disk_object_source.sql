-- What each overlay or work disk was made from (the base rootfs or the work-seed; NULL for an
-- empty work disk), so a repeated create is recognised as the same request.
ALTER TABLE disk_objects ADD COLUMN source_path TEXT;
