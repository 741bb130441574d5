package dev.banger.vm.driver.firecracker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The stub's {@code PUT /snapshot/create} and {@code /snapshot/load} files. Firecracker writes a
 * vmstate file and a memory file of the guest's size; the stub writes its configuration as the
 * vmstate (with a marker, so a file it did not write is refused as Firecracker refuses a foreign
 * one) and a sparse memory file, and reads both back on load, checking what Firecracker checks:
 * that they open, that the memory file has the recorded size, that the recorded drives still open.
 */
final class StubSnapshots {

  static final String MARKER = "banger-stub-vmstate-v1";

  private StubSnapshots() {}

  /**
   * Writes the two files; a parent directory that does not exist fails as Firecracker's open does.
   */
  static void create(ObjectNode params, ObjectNode config) throws IOException {
    Path state = Path.of(params.get("snapshot_path").asText());
    Path memory = Path.of(params.get("mem_file_path").asText());
    ObjectNode saved = config.deepCopy().put("marker", MARKER);
    try {
      Files.writeString(state, saved.toString());
      try (RandomAccessFile m = new RandomAccessFile(memory.toFile(), "rw")) {
        m.setLength(config.path("machine_config").path("mem_size_mib").asLong() << 20);
      }
    } catch (NoSuchFileException | java.io.FileNotFoundException e) {
      throw new IOException("No such file or directory (os error 2)", e);
    }
  }

  /** The configuration a load restores, or the reason Firecracker would give for refusing. */
  static ObjectNode load(ObjectNode params) throws IOException {
    Path state = Path.of(params.get("snapshot_path").asText());
    JsonNode backend = params.path("mem_backend");
    Path memory =
        Path.of(
            params.has("mem_file_path")
                ? params.get("mem_file_path").asText()
                : backend.path("backend_path").asText());
    ObjectNode saved;
    try {
      saved = (ObjectNode) FirecrackerApi.JSON.readTree(Files.readString(state));
    } catch (NoSuchFileException e) {
      throw new IOException(
          "Failed to get snapshot state from file: Failed to open snapshot file: No such file or"
              + " directory (os error 2)",
          e);
    } catch (IOException | RuntimeException e) {
      throw new IOException(
          "Failed to get snapshot state from file: Failed to load snapshot state from file:"
              + " Snapshot error: invalid snapshot",
          e);
    }
    if (!MARKER.equals(saved.path("marker").asText())) {
      throw new IOException(
          "Failed to get snapshot state from file: Failed to load snapshot state from file:"
              + " Snapshot error: invalid snapshot");
    }
    long want = saved.path("machine_config").path("mem_size_mib").asLong() << 20;
    if (!Files.isRegularFile(memory) || Files.size(memory) != want) {
      throw new IOException(
          "Failed to load guest memory: Error creating guest memory from file: the memory file "
              + memory
              + " is not the "
              + want
              + " bytes the snapshot records");
    }
    for (JsonNode d : saved.path("drives")) {
      Path p = Path.of(d.path("path_on_host").asText());
      if (!Files.isRegularFile(p)) {
        throw new IOException(
            "Failed to build microVM from snapshot: Cannot restore devices: Block: No such file or"
                + " directory (os error 2): "
                + p);
      }
    }
    return saved;
  }
}
