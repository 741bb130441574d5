package dev.banger.vm;

import java.nio.file.Path;

/** Opens vm-service's way into guests (SSH with banger's own key and known_hosts under {@code dir}). */
final class GuestAccessFactory {

  private GuestAccessFactory() {}

  static GuestAccess open(Path dir) throws Exception {
    throw new UnsupportedOperationException("SSH guest access is not merged yet");
  }
}
