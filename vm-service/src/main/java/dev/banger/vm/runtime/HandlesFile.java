package dev.banger.vm.runtime;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.banger.vm.driver.VmmHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * {@code vms/<id>/handles.json}: written (temp file + rename, so a crash leaves the old or the new
 * file, never half of one) once a VMM runs, removed when it is gone. An unreadable file is
 * reported, not guessed at: reconcile then treats the VM as not running.
 */
public final class HandlesFile {

  public static final String NAME = "handles.json";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  /** The file's shape: plain strings and numbers, readable with jq. */
  record Json(
      String driver,
      long pid,
      String started,
      String controlSocket,
      String runDir,
      String tap,
      String ip,
      String guestIp,
      String guestMac) {
    static Json of(Handles h) {
      VmmHandle v = h.vmm();
      return new Json(
          v.driver(),
          v.pid(),
          v.started().toString(),
          v.controlSocket().toString(),
          v.runDir().toString(),
          h.tap(),
          h.ip(),
          h.guest() == null ? null : h.guest().ip(),
          h.guest() == null ? null : h.guest().mac());
    }

    Handles handles() {
      return new Handles(
          new VmmHandle(
              driver,
              pid,
              java.time.Instant.parse(started),
              Path.of(controlSocket),
              Path.of(runDir)),
          tap,
          ip,
          // Absent in files written before clones existed: a booted VM's.
          guestIp == null ? null : new Handles.Guest(guestIp, guestMac));
    }
  }

  private HandlesFile() {}

  public static void write(Path vmDir, Handles h) throws IOException {
    Files.createDirectories(vmDir);
    Path tmp = vmDir.resolve("." + NAME + ".tmp");
    Files.write(tmp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(Json.of(h)));
    Files.move(
        tmp,
        vmDir.resolve(NAME),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }

  public static Optional<Handles> read(Path vmDir) throws IOException {
    try {
      return Optional.of(
          JSON.readValue(Files.readAllBytes(vmDir.resolve(NAME)), Json.class).handles());
    } catch (com.fasterxml.jackson.core.JacksonException
        | java.time.format.DateTimeParseException e) {
      throw new IOException(
          vmDir.resolve(NAME) + " is not a handles file banger wrote: " + e.getMessage(), e);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  public static void remove(Path vmDir) throws IOException {
    Files.deleteIfExists(vmDir.resolve(NAME));
  }
}
