package dev.banger.vm.driver.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The shapes of Firecracker's request bodies as its serde structs define them ({@code
 * deny_unknown_fields}): required fields, JSON types, unsigned integer widths, string enums. A
 * mismatch is reported in serde's words, which Firecracker wraps in "An error occurred when
 * deserializing the json body of a request: …".
 */
final class StubSchema {

  /** One body did not match its shape. */
  static final class Mismatch extends Exception {
    private static final long serialVersionUID = 1L;

    Mismatch(String message) {
      super(message);
    }
  }

  sealed interface Type permits Str, Bool, UInt, Enum, Nested {}

  record Str() implements Type {}

  record Bool() implements Type {}

  /** An unsigned integer of {@code max} range (u8: 255, u16, u32, u64/usize). */
  record UInt(String rust, long max) implements Type {}

  record Enum(List<String> values, boolean ignoreCase) implements Type {}

  record Nested(StubSchema schema) implements Type {}

  static final Type STR = new Str();
  static final Type BOOL = new Bool();
  static final Type U8 = new UInt("u8", 255);
  static final Type U16 = new UInt("u16", 65535);
  static final Type U32 = new UInt("u32", 4294967295L);
  static final Type U64 = new UInt("u64", Long.MAX_VALUE);

  static Type oneOf(String... values) {
    return new Enum(List.of(values), false);
  }

  private final Map<String, Type> fields = new LinkedHashMap<>();
  private final Set<String> required;

  private StubSchema(Set<String> required) {
    this.required = required;
  }

  static StubSchema of(Set<String> required, Object... nameTypePairs) {
    StubSchema s = new StubSchema(required);
    for (int i = 0; i < nameTypePairs.length; i += 2) {
      s.fields.put((String) nameTypePairs[i], (Type) nameTypePairs[i + 1]);
    }
    return s;
  }

  static final StubSchema TOKEN_BUCKET =
      of(Set.of("size", "refill_time"), "size", U64, "one_time_burst", U64, "refill_time", U64);
  static final StubSchema RATE_LIMITER =
      of(Set.of(), "bandwidth", new Nested(TOKEN_BUCKET), "ops", new Nested(TOKEN_BUCKET));

  static final StubSchema MACHINE_CONFIG =
      of(
          Set.of("vcpu_count", "mem_size_mib"),
          "vcpu_count",
          U8,
          "mem_size_mib",
          U64,
          "smt",
          BOOL,
          "track_dirty_pages",
          BOOL,
          "cpu_template",
          oneOf("C3", "T2", "T2S", "T2CL", "T2A", "V1N1", "None"),
          "huge_pages",
          oneOf("None", "Transparent", "2M"));
  static final StubSchema BOOT_SOURCE =
      of(
          Set.of("kernel_image_path"),
          "kernel_image_path",
          STR,
          "initrd_path",
          STR,
          "boot_args",
          STR);
  static final StubSchema DRIVE =
      of(
          Set.of("drive_id", "is_root_device"),
          "drive_id",
          STR,
          "partuuid",
          STR,
          "is_root_device",
          BOOL,
          "cache_type",
          oneOf("Unsafe", "Writeback"),
          "is_read_only",
          BOOL,
          "path_on_host",
          STR,
          "rate_limiter",
          new Nested(RATE_LIMITER),
          "io_engine",
          oneOf("Sync", "Async"),
          "socket",
          STR);
  static final StubSchema NETWORK_INTERFACE =
      of(
          Set.of("iface_id", "host_dev_name"),
          "iface_id",
          STR,
          "guest_mac",
          STR,
          "host_dev_name",
          STR,
          "mtu",
          U16,
          "rx_rate_limiter",
          new Nested(RATE_LIMITER),
          "tx_rate_limiter",
          new Nested(RATE_LIMITER));
  static final StubSchema VSOCK =
      of(Set.of("guest_cid", "uds_path"), "guest_cid", U32, "uds_path", STR, "vsock_id", STR);
  static final StubSchema LOGGER =
      of(
          Set.of(),
          "level",
          new Enum(List.of("Error", "Warning", "Info", "Debug", "Trace", "Off"), true),
          "log_path",
          STR,
          "show_level",
          BOOL,
          "show_log_origin",
          BOOL,
          "module",
          STR);
  static final StubSchema METRICS = of(Set.of("metrics_path"), "metrics_path", STR);

  static final StubSchema SNAPSHOT_CREATE =
      of(
          Set.of("snapshot_path", "mem_file_path"),
          "snapshot_path",
          STR,
          "mem_file_path",
          STR,
          "snapshot_type",
          oneOf("Full", "Diff"));

  static final StubSchema MEMORY_BACKEND =
      of(
          Set.of("backend_type", "backend_path"),
          "backend_type",
          oneOf("File", "Uffd"),
          "backend_path",
          STR);

  /** Firecracker 1.10's SnapshotLoadParams (network_overrides came later). */
  static final StubSchema SNAPSHOT_LOAD =
      of(
          Set.of("snapshot_path"),
          "snapshot_path",
          STR,
          "mem_file_path",
          STR,
          "mem_backend",
          new Nested(MEMORY_BACKEND),
          "resume_vm",
          BOOL,
          "enable_diff_snapshots",
          BOOL,
          "track_dirty_pages",
          BOOL);

  /** {@code PATCH /vm}: Firecracker's {@code Vm} object, its one field required. */
  static final StubSchema VM = of(Set.of("state"), "state", oneOf("Paused", "Resumed"));

  static final StubSchema ACTION =
      of(
          Set.of("action_type"),
          "action_type",
          oneOf("FlushMetrics", "InstanceStart", "SendCtrlAltDel"));

  /** Checks {@code body} against this shape; returns it as an object. */
  ObjectNode check(JsonNode body) throws Mismatch {
    if (!body.isObject()) {
      throw new Mismatch("invalid type: " + describe(body) + ", expected a struct");
    }
    ObjectNode o = (ObjectNode) body;
    for (Map.Entry<String, JsonNode> f : o.properties()) {
      Type t = fields.get(f.getKey());
      if (t == null) {
        throw new Mismatch(
            "unknown field `"
                + f.getKey()
                + "`, expected one of "
                + fields.keySet().stream()
                    .map(k -> "`" + k + "`")
                    .collect(Collectors.joining(", ")));
      }
      if (f.getValue().isNull() && !required.contains(f.getKey())) {
        continue; // serde reads null as None for an optional field
      }
      checkValue(f.getValue(), t);
    }
    for (String r : required) {
      if (!o.has(r)) {
        throw new Mismatch("missing field `" + r + "`");
      }
    }
    return o;
  }

  private static void checkValue(JsonNode v, Type t) throws Mismatch {
    switch (t) {
      case Str s -> {
        if (!v.isTextual()) {
          throw new Mismatch("invalid type: " + describe(v) + ", expected a string");
        }
      }
      case Bool b -> {
        if (!v.isBoolean()) {
          throw new Mismatch("invalid type: " + describe(v) + ", expected a boolean");
        }
      }
      case UInt u -> {
        if (!v.isIntegralNumber()) {
          throw new Mismatch("invalid type: " + describe(v) + ", expected " + u.rust());
        }
        if (!v.canConvertToLong() || v.asLong() < 0 || v.asLong() > u.max()) {
          throw new Mismatch("invalid value: integer `" + v.asText() + "`, expected " + u.rust());
        }
      }
      case Enum e -> {
        if (!v.isTextual()) {
          throw new Mismatch("invalid type: " + describe(v) + ", expected a string");
        }
        boolean ok =
            e.values().stream()
                .anyMatch(
                    x -> e.ignoreCase() ? x.equalsIgnoreCase(v.asText()) : x.equals(v.asText()));
        if (!ok) {
          throw new Mismatch(
              "unknown variant `"
                  + v.asText()
                  + "`, expected one of "
                  + e.values().stream().map(k -> "`" + k + "`").collect(Collectors.joining(", ")));
        }
      }
      case Nested n -> n.schema().check(v);
    }
  }

  private static String describe(JsonNode v) {
    if (v.isTextual()) {
      return "string \"" + v.asText() + "\"";
    }
    if (v.isBoolean()) {
      return "boolean `" + v.asText() + "`";
    }
    if (v.isIntegralNumber()) {
      return "integer `" + v.asText() + "`";
    }
    if (v.isNumber()) {
      return "floating point `" + v.asText() + "`";
    }
    if (v.isNull()) {
      return "null";
    }
    return v.isArray() ? "sequence" : "map";
  }
}
