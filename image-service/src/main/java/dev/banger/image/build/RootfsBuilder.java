package dev.banger.image.build;

import dev.banger.ext4.Ext4Image;
import dev.banger.ext4.Ext4Toolkit;
import dev.banger.ext4.GuestPath;
import dev.banger.ext4.Ownership;
import dev.banger.ext4.SpecialNode;
import dev.banger.image.flatten.EntryMeta;
import dev.banger.image.flatten.FlattenResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Builds a rootfs from a flattened tree without mounting anything: {@code mkfs.ext4 -d} copies the
 * staged tree, then one debugfs pass makes the device nodes and restores the owners and modes the
 * staging tree could not hold (seeds/003: setuid root binaries stay setuid root).
 */
public final class RootfsBuilder {

  private static final long MIB = 1L << 20;

  /** Per-entry allowance for inodes, directory blocks and the last partial block of each file. */
  private static final long ENTRY_OVERHEAD = 4096;

  private final Ext4Toolkit kit;
  private final long minBytes;

  public RootfsBuilder(Ext4Toolkit kit, long minBytes) {
    this.kit = kit;
    this.minBytes = minBytes;
  }

  /** What was built. */
  public record Built(long sizeBytes, int ownershipFixes, int specialNodes) {}

  /**
   * Size for a tree: content x 1.5, rounded up to a MiB, at least the configured minimum. A
   * requested size is honoured when it is at least the content; a smaller one is refused.
   */
  public long sizeFor(FlattenResult r, long requested) {
    long content = r.contentBytes() + r.entries().size() * ENTRY_OVERHEAD;
    if (requested > 0) {
      if (requested < content) {
        throw new IllegalArgumentException(
            "size_bytes "
                + requested
                + " is smaller than the image's "
                + content
                + " bytes of content");
      }
      return roundUp(requested);
    }
    return Math.max(minBytes, roundUp(content + content / 2));
  }

  private static long roundUp(long bytes) {
    return (bytes + MIB - 1) / MIB * MIB;
  }

  public Built build(FlattenResult r, Path out, long sizeBytes) {
    format(r, out, sizeBytes);
    return restoreOwnership(r, out, sizeBytes);
  }

  /** {@code mkfs.ext4 -d}: the staged tree, owners as staged. */
  public void format(FlattenResult r, Path out, long sizeBytes) {
    kit.tools().mkfs(out, sizeBytes, r.root());
  }

  /** The one debugfs pass: device nodes made, owners and modes as the layers said. */
  public Built restoreOwnership(FlattenResult r, Path out, long sizeBytes) {
    List<SpecialNode> nodes = new ArrayList<>();
    List<Ownership> fixes = new ArrayList<>();
    for (Map.Entry<String, EntryMeta> e : r.entries().entrySet()) {
      EntryMeta m = e.getValue();
      GuestPath p = e.getKey().isEmpty() ? GuestPath.ROOT : GuestPath.of("/" + e.getKey());
      if (m.isSpecial()) {
        nodes.add(new SpecialNode(p, m.type(), m.devMajor(), m.devMinor()));
      }
      // The root is always stamped: mkfs took its mode from the staging directory.
      if (p.isRoot() || !r.stagedAsIs(m)) {
        fixes.add(new Ownership(p, m.uid(), m.gid(), m.mode()));
      }
    }
    Ext4Image image = kit.open(out);
    kit.setOwnership(image, nodes, fixes);
    return new Built(sizeBytes, fixes.size(), nodes.size());
  }
}
