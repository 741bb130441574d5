package dev.banger.kit.state;

import java.util.Locale;

/** The four services; their names are also their socket and database file names. */
public enum ServiceName {
  IMAGE,
  VM,
  NET,
  DISK;

  /** "image", "vm", "net", "disk". */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ServiceName parse(String text) {
    for (ServiceName s : values()) {
      if (s.id().equals(text)) {
        return s;
      }
    }
    throw new IllegalArgumentException(
        "unknown service \"" + text + "\" (expected image, vm, net or disk)");
  }
}
