package dev.banger.cli;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code -o table|json} of every list and show; JSON is the proto's own (snake_case field names).
 */
final class Output {

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      paramLabel = "FORMAT",
      description = "table or json")
  String format;

  boolean json() {
    if (!format.equals("table") && !format.equals("json")) {
      throw new CliException("--output must be table or json, got \"" + format + "\"", 2, null);
    }
    return format.equals("json");
  }

  static String json(MessageOrBuilder m) {
    try {
      return JsonFormat.printer()
          .preservingProtoFieldNames()
          .alwaysPrintFieldsWithNoPresence()
          .print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  static String jsonArray(List<? extends MessageOrBuilder> ms) {
    if (ms.isEmpty()) {
      return "[]";
    }
    StringBuilder b = new StringBuilder("[\n");
    for (int i = 0; i < ms.size(); i++) {
      b.append(json(ms.get(i)).indent(2).stripTrailing()).append(i + 1 < ms.size() ? ",\n" : "\n");
    }
    return b.append("]").toString();
  }
}
