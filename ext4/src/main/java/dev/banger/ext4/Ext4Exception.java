package dev.banger.ext4;

/**
 * A refused or failed ext4 operation. The {@link Kind} lets a gRPC layer pick the status
 * (INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, INTERNAL) without parsing messages; the
 * message is one sentence naming what was wrong.
 */
public final class Ext4Exception extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public enum Kind {
    /**
     * A guest path the toolkit will not pass to debugfs (see {@link GuestPath}), or an id or mode
     * out of range.
     */
    INVALID_ARGUMENT,
    /** The host file is not a usable ext4 image (wrong type, bad magic, truncated). */
    NOT_AN_IMAGE,
    /** A guest path that must exist does not. */
    NOT_FOUND,
    /** A guest path exists with the wrong type (a file where a directory must be, …). */
    WRONG_TYPE,
    /** The request is well formed but out of bounds (sizes, counts). */
    OUT_OF_RANGE,
    /** The process lacks the privilege the target needs (block devices). */
    PERMISSION,
    /** An e2fsprogs tool failed or reported an error; the message carries its stderr. */
    TOOL_FAILED
  }

  private final Kind kind;

  public Ext4Exception(Kind kind, String message) {
    this(kind, message, null);
  }

  public Ext4Exception(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
