package dev.banger.image.flatten;

import java.nio.file.Path;
import java.util.NavigableMap;

/**
 * A flattened image: the staged tree and what the layers said about every path in it.
 *
 * @param entries relative path ("" = root) to metadata, sorted
 * @param contentBytes bytes of regular files (sparse files at their full size)
 * @param tarEntries tar entries read across all layers, whiteouts included
 * @param xattrsDropped entries whose extended attributes were not carried over
 */
public record FlattenResult(
    Path root,
    NavigableMap<String, EntryMeta> entries,
    long contentBytes,
    long tarEntries,
    int xattrsDropped,
    long stagingUid,
    long stagingGid) {

  /** True when the staged copy already has the owner and mode the layer asked for. */
  public boolean stagedAsIs(EntryMeta m) {
    if (m.isSpecial() || m.uid() != stagingUid || m.gid() != stagingGid) {
      return false;
    }
    return switch (m.type()) {
      case SYMLINK -> true; // symlink permissions mean nothing on Linux
      default -> m.perm() == LayerFlattener.stagedMode(m);
    };
  }
}
