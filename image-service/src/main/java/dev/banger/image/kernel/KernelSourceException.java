package dev.banger.image.kernel;

import java.io.IOException;

/**
 * A path given for a kernel import that the service refuses or cannot read. The message names the
 * request field and the path (escaped) and is fit for the user as it is.
 */
public final class KernelSourceException extends IOException {

  private static final long serialVersionUID = 1L;

  /**
   * Refused by a rule ({@code INVALID_ARGUMENT}), or unreadable by the service's user ({@code
   * FAILED_PRECONDITION}).
   */
  public enum Kind {
    REJECTED,
    UNREADABLE
  }

  private final String field;
  private final Kind kind;

  public KernelSourceException(String field, Kind kind, String message) {
    super(message);
    this.field = field;
    this.kind = kind;
  }

  /**
   * The request field the path came from: {@code kernel_path}, {@code initrd_path}, {@code
   * modules_path}.
   */
  public String field() {
    return field;
  }

  public Kind kind() {
    return kind;
  }
}
