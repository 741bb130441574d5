package dev.banger.bench;

import dev.banger.ext4.E2fsTools;
import dev.banger.image.flatten.EntryMeta;
import dev.banger.image.flatten.FlattenResult;
import dev.banger.kit.process.Command;
import dev.banger.kit.process.CommandResult;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The baseline of {@link ImageBench}: the shell tools one would use without banger. {@code skopeo
 * copy} to an OCI layout, {@code umoci unpack --rootless}, {@code mkfs.ext4 -d} (through {@link
 * E2fsTools#mkfs}, the very command banger runs, same size), then one {@code debugfs -w -f script}.
 * The script is generated from umoci's own metadata: the mtree manifest it writes beside the bundle
 * ({@code sha256_*.mtree}) lists every entry with its mode and, for entries a layer gave a non-root
 * owner, the {@code user.rootlesscontainers} xattr that holds that owner (rootless umoci cannot
 * chown). Every such entry gets {@code sif} lines for uid, gid and mode. (The xattr itself also
 * lands in the ext4, as {@code mkfs.ext4 -d} copies xattrs; the baseline does not strip it.)
 * Setuid-root files need none: umoci kept their mode on disk, and {@code mkfs.ext4 -d} copies it.
 */
final class ShellPipeline {

  /** A finished baseline rootfs, and what went into its ownership script. */
  record Result(Path work, Path rootfs, int scriptLines, int entries) {}

  private final E2fsTools tools;

  ShellPipeline(E2fsTools tools) {
    this.tools = tools;
  }

  Result pull(String host, Path oci, Path work, long size) throws Exception {
    Files.createDirectories(work);
    String image = oci + ":" + ImageBench.TAG;
    DiskBench.check(
        Command.of(
                "skopeo",
                "copy",
                "-q",
                "--src-tls-verify=false",
                "docker://" + host + "/" + ImageBench.REPO + ":" + ImageBench.TAG,
                "oci:" + image)
            .timeout(Duration.ofMinutes(10))
            .build());
    Path bundle = work.resolve("bundle");
    DiskBench.check(
        Command.of("umoci", "unpack", "--rootless", "--image", image, bundle.toString())
            .timeout(Duration.ofMinutes(10))
            .build());
    Path rootfs = work.resolve("rootfs.ext4");
    tools.mkfs(rootfs, size, bundle.resolve("rootfs"));
    Map<String, Entry> entries = mtree(bundle);
    StringBuilder script = new StringBuilder();
    int lines = 0;
    for (Map.Entry<String, Entry> e : entries.entrySet()) {
      Entry m = e.getValue();
      if (m.uid != 0 || m.gid != 0) {
        String p = "\"" + e.getKey() + "\"";
        script
            .append("sif ")
            .append(p)
            .append(" uid ")
            .append(m.uid)
            .append('\n')
            .append("sif ")
            .append(p)
            .append(" gid ")
            .append(m.gid)
            .append('\n')
            .append("sif ")
            .append(p)
            .append(" mode 0")
            .append(Integer.toOctalString(m.mode))
            .append('\n');
        lines += 3;
      }
    }
    Path file = work.resolve("owners.debugfs");
    Files.writeString(file, script);
    CommandResult r =
        DiskBench.check(
            Command.of("debugfs", "-w", "-f", file.toString(), rootfs.toString())
                .timeout(Duration.ofMinutes(10))
                .build());
    if (r.stderrText().lines().anyMatch(l -> !l.startsWith("debugfs "))) {
      throw new IllegalStateException(
          "debugfs complained: " + r.stderrText().lines().limit(5).toList());
    }
    return new Result(work, rootfs, lines, entries.size());
  }

  void clean(Result r) throws Exception {
    DiskBench.RUN.run(Command.of("rm", "-rf", r.work().toString()).build());
  }

  private record Entry(long uid, long gid, int mode) {}

  /**
   * Where {@code umoci unpack --rootless} keeps the owner a layer gave (the file itself is ours).
   */
  static final String ROOTLESS_XATTR = "user.rootlesscontainers";

  private static final Pattern KEY = Pattern.compile("(\\S+?)=(\\S*)");

  /** Parses umoci's go-mtree manifest (hierarchical form) into absolute path -> owner and mode. */
  static Map<String, Entry> mtree(Path bundle) throws IOException {
    Path manifest = null;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(bundle, "*.mtree")) {
      for (Path p : s) {
        manifest = p;
      }
    }
    if (manifest == null) {
      throw new IllegalStateException("umoci wrote no .mtree in " + bundle);
    }
    Map<String, String> defaults = new HashMap<>();
    Deque<String> dirs = new ArrayDeque<>();
    Map<String, Entry> out = new java.util.TreeMap<>();
    for (String raw : Files.readAllLines(manifest)) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+", 2);
      String rest = parts.length > 1 ? parts[1] : "";
      if (parts[0].equals("/set")) {
        keys(rest, defaults);
        continue;
      }
      if (parts[0].equals("/unset")) {
        for (String k : rest.split("\\s+")) {
          defaults.remove(k);
        }
        continue;
      }
      if (parts[0].equals("..")) {
        dirs.pollLast();
        continue;
      }
      Map<String, String> kv = new HashMap<>(defaults);
      keys(rest, kv);
      String name = unvis(parts[0]);
      String path =
          name.equals(".")
              ? "/"
              : "/" + String.join("/", dirs) + (dirs.isEmpty() ? "" : "/") + name;
      String type = kv.getOrDefault("type", "file");
      int typeBits =
          switch (type) {
            case "dir" -> 0040000;
            case "link" -> 0120000;
            default -> 0100000;
          };
      String owner = kv.get("xattr." + ROOTLESS_XATTR);
      if (!type.equals("link")) {
        long[] ids =
            owner == null ? new long[] {0, 0} : rootlessOwner(Base64.getDecoder().decode(owner));
        out.put(
            path,
            new Entry(
                ids[0], ids[1], typeBits | Integer.parseInt(kv.getOrDefault("mode", "0"), 8)));
      }
      if (type.equals("dir") && !name.equals(".")) {
        dirs.addLast(name);
      }
    }
    return out;
  }

  /**
   * The {@code user.rootlesscontainers} value: a protobuf {@code Resource {uint32 uid = 1; uint32
   * gid = 2;}}; an absent field is 0 (proto3), as umoci writes it.
   */
  static long[] rootlessOwner(byte[] pb) {
    long[] ids = {0, 0};
    int i = 0;
    while (i < pb.length) {
      long[] tag = varint(pb, i);
      long[] value = varint(pb, (int) tag[1]);
      int field = (int) (tag[0] >>> 3);
      if ((tag[0] & 7) != 0 || field < 1 || field > 2) {
        throw new IllegalStateException(
            "unexpected field in " + ROOTLESS_XATTR + ": tag " + tag[0]);
      }
      ids[field - 1] = value[0];
      i = (int) value[1];
    }
    return ids;
  }

  /** {value, next index}. */
  private static long[] varint(byte[] b, int i) {
    long v = 0;
    for (int shift = 0; ; shift += 7) {
      int x = b[i++] & 0xff;
      v |= (long) (x & 0x7f) << shift;
      if (x < 0x80) {
        return new long[] {v, i};
      }
    }
  }

  private static void keys(String rest, Map<String, String> into) {
    Matcher m = KEY.matcher(rest);
    while (m.find()) {
      into.put(m.group(1), m.group(2));
    }
  }

  /** Undoes strsvis octal escapes ({@code \040}); the bench's names need no more. */
  private static String unvis(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * Owner/mode check of a rootfs against what the layers said (banger's flatten metadata): one
   * debugfs {@code stat} per entry owned by someone other than root, or setuid, at most 300.
   */
  String sameOwners(Path rootfs, FlattenResult flat) throws Exception {
    StringBuilder script = new StringBuilder();
    List<Map.Entry<String, EntryMeta>> checked =
        flat.entries().entrySet().stream()
            .filter(
                e ->
                    !e.getKey().isEmpty()
                        && (e.getValue().uid() != 0 || (e.getValue().perm() & 04000) != 0))
            .limit(300)
            .toList();
    for (Map.Entry<String, EntryMeta> e : checked) {
      script.append("stat \"/").append(e.getKey()).append("\"\n");
    }
    CommandResult r =
        DiskBench.check(
            Command.of("debugfs", "-f", "-", rootfs.toString()).stdin(script.toString()).build());
    Matcher mode = Pattern.compile("Mode:\\s+0?([0-7]+)").matcher(r.stdoutText());
    Matcher owner = Pattern.compile("User:\\s+(\\d+)\\s+Group:\\s+(\\d+)").matcher(r.stdoutText());
    int bad = 0;
    for (Map.Entry<String, EntryMeta> e : checked) {
      EntryMeta m = e.getValue();
      if (!mode.find()
          || !owner.find()
          || Integer.parseInt(mode.group(1), 8) != m.perm()
          || Long.parseLong(owner.group(1)) != m.uid()
          || Long.parseLong(owner.group(2)) != m.gid()) {
        bad++;
      }
    }
    return bad == 0
        ? "yes (" + checked.size() + " entries checked)"
        : "NO: " + bad + " of " + checked.size() + " differ";
  }
}
