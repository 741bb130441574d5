package dev.banger.cli;

import com.google.protobuf.MessageOrBuilder;
import java.util.List;
import picocli.CommandLine.Option;

/** {@code -o table|json} of every list and show; JSON in one style, {@link CliJson}'s. */
final class Output {

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      paramLabel = "FORMAT",
      completionCandidates = Formats.class,
      description = "table or json")
  String format;

  /** What -o takes, for shell completion. */
  static final class Formats implements Iterable<String> {
    @Override
    public java.util.Iterator<String> iterator() {
      return java.util.List.of("table", "json").iterator();
    }
  }

  boolean json() {
    if (!format.equals("table") && !format.equals("json")) {
      throw new CliException("--output must be table or json, got \"" + format + "\"", 2, null);
    }
    return format.equals("json");
  }

  /** One API record in the CLI's JSON style ({@link CliJson}). */
  static String json(MessageOrBuilder m) {
    return CliJson.of(m);
  }

  static String jsonArray(List<? extends MessageOrBuilder> ms) {
    return CliJson.ofAll(ms);
  }
}
