package dev.banger.image.oci;

/**
 * Everything that can go wrong talking to a registry, as one type whose {@link Kind} maps to a gRPC
 * status in image-service. Messages are one sentence naming the registry, repository or digest
 * involved, written for the user who typed the image reference.
 */
public class RegistryException extends Exception {

  /** Why, in the terms a caller maps to a status code. */
  public enum Kind {
    /** The repository, tag, manifest or blob does not exist. */
    NOT_FOUND,
    /** No credentials, or the registry refused them (HTTP 401). */
    UNAUTHORIZED,
    /** Authenticated but not allowed (HTTP 403). */
    DENIED,
    /** The image reference itself is malformed. */
    BAD_REFERENCE,
    /**
     * Something valid we chose not to handle: schema 1, foreign layers, credential helpers, plain
     * http.
     */
    UNSUPPORTED,
    /** Content did not hash to (or was not the size of) what was asked for. */
    DIGEST_MISMATCH,
    /** Connection failures, timeouts, 5xx and 429: worth retrying later. */
    NETWORK,
    /** The registry answered something that breaks the distribution spec. */
    PROTOCOL,
    /** The local blob cache could not be read or written (disk full, permissions). */
    STORAGE,
    /** The blob would not fit on the cache's filesystem (with its reserve kept free). */
    NO_SPACE,
    /** The caller cancelled (flag or thread interrupt). */
    CANCELLED
  }

  private final Kind kind;

  public RegistryException(Kind kind, String message) {
    this(kind, message, null);
  }

  public RegistryException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }

  /** For an interrupted thread: keeps the interrupt flag set so callers up the stack see it too. */
  static RegistryException interrupted(String what, Throwable cause) {
    Thread.currentThread().interrupt();
    return new RegistryException(Kind.CANCELLED, what + " was cancelled", cause);
  }
}
