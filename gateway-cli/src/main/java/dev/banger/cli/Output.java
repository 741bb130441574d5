package dev.banger.cli;

import picocli.CommandLine.Option;

/**
 * {@code -o table|json|jsonl} of every list and show: JSON in one style, {@link CliJson}'s; jsonl
 * the same values one compact record per line (a list's elements each on its own), for {@code while
 * read} loops and {@code jq -c}.
 */
public final class Output {

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      paramLabel = "FORMAT",
      completionCandidates = Formats.class,
      description = "table, json or jsonl")
  String format;

  /** What -o takes, for shell completion. */
  static final class Formats implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.List.of("table", "json", "jsonl").iterator();
    }
  }

  /** True for json and jsonl: the command prints {@link #render} of its value, not a table. */
  public boolean json() {
    if (!format.equals("table") && !format.equals("json") && !format.equals("jsonl")) {
      throw new CliException(
          "--output must be table, json or jsonl, got \"" + format + "\"", 2, null);
    }
    return !format.equals("table");
  }

  /**
   * {@code value} (an API message, a list of them, or any record or list Jackson maps) as -o asked:
   * indented JSON, or with jsonl one line per element of a list (one line for anything else).
   */
  public String render(Object value) {
    return format.equals("jsonl") ? CliJson.lines(value) : CliJson.pretty(value);
  }
}
