package dev.banger.cli;

/** A failure the CLI reports as one sentence on stderr, with its exit code (1 unless said). */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int exitCode;
  final String debug;

  CliException(String sentence) {
    this(sentence, 1, null);
  }

  CliException(String sentence, int exitCode, String debug) {
    super(sentence);
    this.exitCode = exitCode;
    this.debug = debug;
  }
}
