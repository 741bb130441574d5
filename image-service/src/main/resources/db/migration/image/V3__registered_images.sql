-- Registered images (RegisterImage) point at a rootfs the user keeps outside banger's state:
-- managed = 0 until PromoteImage copies it in. Deleting an unmanaged image forgets the row and
-- never touches the user's file.
ALTER TABLE images ADD COLUMN managed INTEGER NOT NULL DEFAULT 1 CHECK (managed IN (0, 1));
