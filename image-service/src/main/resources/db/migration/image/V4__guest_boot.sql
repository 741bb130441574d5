-- How VMs of an image boot (docs/guest-kit.md): 'systemd' (its own init, with banger's units) or
-- 'kit' (banger's guest kit as init and SSH server), and the findings that decided it, one per
-- line. Images pulled before this column existed were all systemd images built by banger.
ALTER TABLE images ADD COLUMN guest_boot TEXT NOT NULL DEFAULT 'systemd'
  CHECK (guest_boot IN ('systemd', 'kit'));
ALTER TABLE images ADD COLUMN guest_notes TEXT NOT NULL DEFAULT '';
-- What a kit VM started without a command runs (ImageCommand as JSON), '' for none.
ALTER TABLE images ADD COLUMN guest_command TEXT NOT NULL DEFAULT '';
-- The guest kit version a kit image's VMs attach (images/kit/<version>/kit.ext4): the one built for
-- its pull, so a restored VM finds the kit it had mounted after banger's scripts change.
ALTER TABLE images ADD COLUMN guest_kit TEXT NOT NULL DEFAULT '';
