package dev.banger.vm.app;

import java.util.Map;

/**
 * A failure the use cases report in domain terms; the api layer turns it into a gRPC status with an
 * ErrorInfo (reason, metadata). One sentence, naming what was wrong.
 */
public final class VmProblem extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The kinds of failure the API distinguishes (DESIGN's status codes). */
  public enum Kind {
    INVALID_ARGUMENT,
    NOT_FOUND,
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    UNAVAILABLE,
    UNIMPLEMENTED,
    INTERNAL
  }

  private final Kind kind;
  private final String reason;
  private final transient Map<String, String> metadata;

  public VmProblem(Kind kind, String reason, String sentence, Map<String, String> metadata) {
    super(sentence);
    this.kind = kind;
    this.reason = reason;
    this.metadata = Map.copyOf(metadata);
  }

  public Kind kind() {
    return kind;
  }

  /** The ErrorInfo reason, e.g. VM_NOT_FOUND. */
  public String reason() {
    return reason;
  }

  public Map<String, String> metadata() {
    return metadata;
  }

  /** A bad field: INVALID_ARGUMENT with the field named in the metadata. */
  public static VmProblem invalid(String field, String sentence) {
    return new VmProblem(
        Kind.INVALID_ARGUMENT, "INVALID_ARGUMENT", sentence, Map.of("field", field));
  }
}
