package dev.banger.cli.guest;

/** Absolute paths in a guest, as {@code vm cp} names them: no {@code //}, no trailing slash. */
public final class GuestPaths {

  private GuestPaths() {}

  /** {@code /a//b/} as {@code /a/b}; {@code .} and {@code ..} stay for the service to refuse. */
  public static String normal(String path) {
    String p = path.replaceAll("/+", "/");
    return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
  }

  public static String parent(String normal) {
    int i = normal.lastIndexOf('/');
    return i <= 0 ? "/" : normal.substring(0, i);
  }

  public static String name(String normal) {
    return normal.substring(normal.lastIndexOf('/') + 1);
  }
}
