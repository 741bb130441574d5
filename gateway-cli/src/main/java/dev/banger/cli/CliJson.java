package dev.banger.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;

/**
 * The CLI's one JSON style for API records ({@code -o json}): the proto's field names (snake_case)
 * and every field, as protobuf's JSON mapping gives them, with two changes a script wants: 64-bit
 * integers are numbers, not strings (the mapping quotes them for JavaScript's sake; sizes here stay
 * far below 2^53), and enum values read as the table shows them ({@code running}, not {@code
 * VM_STATE_RUNNING}). Timestamps stay RFC 3339 strings.
 */
final class CliJson {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Two-space indent, {@code "key": value}, one array element per line: as jq prints. */
  private static final DefaultPrettyPrinter PRETTY =
      new DefaultPrettyPrinter()
          .withSeparators(
              Separators.createDefaultInstance()
                  .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
          .withArrayIndenter(DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);

  private CliJson() {}

  /** Any value -o prints, indented. */
  static String pretty(Object value) {
    return write(node(value));
  }

  /** Any value -o prints as JSON lines: each element of an array compact on its own line. */
  static String lines(Object value) {
    JsonNode n = node(value);
    StringBuilder b = new StringBuilder();
    for (JsonNode e : n.isArray() ? n : List.of(n)) {
      if (!b.isEmpty()) {
        b.append('\n');
      }
      b.append(e.toString());
    }
    return b.toString();
  }

  /** API messages in this style, lists element by element, anything else as Jackson maps it. */
  static JsonNode node(Object value) {
    if (value instanceof MessageOrBuilder m) {
      return tree(m);
    }
    if (value instanceof List<?> list) {
      ArrayNode all = JsonNodeFactory.instance.arrayNode();
      list.forEach(e -> all.add(node(e)));
      return all;
    }
    return MAPPER.valueToTree(value);
  }

  static ObjectNode tree(MessageOrBuilder m) {
    try {
      String proto =
          JsonFormat.printer()
              .preservingProtoFieldNames()
              .alwaysPrintFieldsWithNoPresence()
              .print(m);
      ObjectNode node = (ObjectNode) MAPPER.readTree(proto);
      shape(node, m.getDescriptorForType());
      return node;
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The enum value as the table shows it: VM_STATE_RUNNING of VmState is "running". */
  static String enumText(String value, String enumType) {
    String prefix =
        enumType.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT) + "_";
    String bare = value.startsWith(prefix) ? value.substring(prefix.length()) : value;
    return bare.toLowerCase(Locale.ROOT);
  }

  private static void shape(ObjectNode node, Descriptor d) {
    if (d.getFullName().startsWith("google.protobuf.")) {
      return; // well-known types keep their own JSON form
    }
    for (FieldDescriptor f : d.getFields()) {
      JsonNode v = node.get(f.getName());
      if (v == null || v.isNull()) {
        continue;
      }
      if (f.isMapField()) {
        FieldDescriptor value = f.getMessageType().findFieldByName("value");
        ObjectNode map = (ObjectNode) v;
        map.properties().forEach(e -> map.set(e.getKey(), value(e.getValue(), value)));
      } else if (f.isRepeated()) {
        ArrayNode list = (ArrayNode) v;
        for (int i = 0; i < list.size(); i++) {
          list.set(i, value(list.get(i), f));
        }
      } else {
        node.set(f.getName(), value(v, f));
      }
    }
  }

  private static JsonNode value(JsonNode v, FieldDescriptor f) {
    switch (f.getType()) {
      case INT64, SINT64, SFIXED64, UINT64, FIXED64 -> {
        if (v.isTextual()) {
          BigInteger n = new BigInteger(v.asText());
          return n.bitLength() < 64
              ? JsonNodeFactory.instance.numberNode(n.longValue())
              : JsonNodeFactory.instance.numberNode(n);
        }
        return v;
      }
      case ENUM -> {
        return v.isTextual()
            ? JsonNodeFactory.instance.textNode(enumText(v.asText(), f.getEnumType().getName()))
            : v;
      }
      case MESSAGE -> {
        if (v instanceof ObjectNode o) {
          shape(o, f.getMessageType());
        }
        return v;
      }
      default -> {
        return v;
      }
    }
  }

  private static String write(JsonNode n) {
    try {
      return MAPPER.writer(PRETTY).writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
