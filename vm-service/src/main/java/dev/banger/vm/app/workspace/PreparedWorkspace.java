package dev.banger.vm.app.workspace;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A workspace as the VM records it for {@code vm exec} (the row's {@code last_workspace}, as JSON).
 *
 * @param preparedAt null for a dry run, which prepares nothing
 * @param branch empty when no branch was made
 */
public record PreparedWorkspace(
    String hostPath,
    String guestPath,
    String headCommit,
    boolean includeUntracked,
    String branch,
    Instant preparedAt) {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(PreparedWorkspace.class);

  /** The stored form; field names and the time as text are what rows already hold. */
  record Stored(
      String hostPath,
      String guestPath,
      String headCommit,
      String preparedAt,
      boolean includeUntracked,
      String branch) {}

  String toJson() {
    try {
      return JSON.writeValueAsString(
          new Stored(
              hostPath, guestPath, headCommit, preparedAt.toString(), includeUntracked, branch));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("a workspace record did not serialise", e);
    }
  }

  /** The recorded workspace, or empty (logged) when the row holds something unreadable. */
  public static Optional<PreparedWorkspace> fromJson(String json) {
    try {
      Stored s = JSON.readValue(json, Stored.class);
      return Optional.of(
          new PreparedWorkspace(
              s.hostPath(),
              s.guestPath(),
              s.headCommit(),
              s.includeUntracked(),
              s.branch() == null ? "" : s.branch(),
              Instant.parse(s.preparedAt())));
    } catch (Exception e) {
      LOG.warn("unreadable last_workspace {}: {}", json, e.getMessage());
      return Optional.empty();
    }
  }
}
