package dev.banger.kit.text;

/**
 * The one rule every service holds a request_id to (docs/architecture.md §3): an idempotency key,
 * not a payload — at most 128 printable ASCII characters, no spaces, so it can be logged, compared
 * and shown in an error without quoting.
 */
public final class RequestIds {

  public static final int MAX = 128;

  private RequestIds() {}

  /** Why {@code id} cannot be a request id, or null when it can (the empty id is "none"). */
  public static String problem(String id) {
    if (id.length() > MAX) {
      return "request_id is " + id.length() + " characters; at most " + MAX + " are allowed";
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        return "request_id may hold only printable ASCII without spaces; character "
            + (i + 1)
            + " is U+"
            + String.format("%04X", (int) c);
      }
    }
    return null;
  }
}
