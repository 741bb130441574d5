package dev.banger.image.app;

import java.util.Map;

/**
 * A failure the use cases report in domain terms; the api layer turns it into a gRPC status with an
 * ErrorInfo (reason, metadata). One sentence, naming what was wrong.
 */
public final class ImageProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The kinds of failure the API distinguishes (docs/architecture.md §3's status codes). */
  public enum Kind {
    INVALID_ARGUMENT,
    NOT_FOUND,
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    PERMISSION_DENIED,
    ABORTED,
    UNAVAILABLE
  }

  private final Kind kind;
  private final String reason;
  private final transient Map<String, String> metadata;

  public ImageProblem(Kind kind, String reason, String sentence, Map<String, String> metadata) {
    super(sentence);
    this.kind = kind;
    this.reason = reason;
    this.metadata = Map.copyOf(metadata);
  }

  public Kind kind() {
    return kind;
  }

  /** The ErrorInfo reason, e.g. IMAGE_IN_USE. */
  public String reason() {
    return reason;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  /** A bad field: INVALID_ARGUMENT with the field named in the metadata. */
  public static ImageProblem invalid(String field, String sentence) {
    return new ImageProblem(
        Kind.INVALID_ARGUMENT, "INVALID_ARGUMENT", sentence, Map.of("field", field));
  }

  /** No image or kernel {@code idOrName}: NOT_FOUND, as the kit's own NOT_FOUND words it. */
  public static ImageProblem notFound(String what, String idOrName) {
    return new ImageProblem(
        Kind.NOT_FOUND,
        what.toUpperCase(java.util.Locale.ROOT) + "_NOT_FOUND",
        what + " " + dev.banger.kit.text.Printable.quoted(idOrName, 80) + " not found",
        Map.of(what, dev.banger.kit.text.Printable.bare(idOrName, 80)));
  }
}
