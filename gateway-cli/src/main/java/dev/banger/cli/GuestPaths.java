package dev.banger.cli;

/** Absolute paths in a guest, as {@code vm cp} names them: no {@code //}, no trailing slash. */
final class GuestPaths {

  private GuestPaths() {}

  /** {@code /a//b/} as {@code /a/b}; {@code .} and {@code ..} stay for the service to refuse. */
  static String normal(String path) {
    String p = path.replaceAll("/+", "/");
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  static String parent(String normal) {
    int i = normal.lastIndexOf('/');
    return i <= 0 ? "/" : normal.substring(0, i);
  }

  static String name(String normal) {
    return normal.substring(normal.lastIndexOf('/') + 1);
  }
}
