package dev.banger.cli;

/** A failure the CLI reports as one sentence on stderr, with its exit code (1 unless said). */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int exitCode;
  final String debug;

  public CliException(String sentence) {
    this(sentence, 1, null);
  }

  public CliException(String sentence, int exitCode, String debug) {
    super(sentence);
    this.exitCode = exitCode;
    this.debug = debug;
  }
}
