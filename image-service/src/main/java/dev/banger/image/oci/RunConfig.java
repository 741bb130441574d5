package dev.banger.image.oci;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * What an image says to run (its config's {@code config} object): {@code Entrypoint}, {@code Cmd},
 * {@code Env}, {@code WorkingDir} and {@code User}. Read as untrusted: strings only, no NUL, at
 * most {@link #MAX_ITEMS} items of {@link #MAX_CHARS} characters each.
 */
public record RunConfig(
    List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user) {

  static final int MAX_ITEMS = 256;
  static final int MAX_CHARS = 8192;

  /** An image that says nothing (a Debian recipe, a bundle). */
  public static final RunConfig NONE = new RunConfig(List.of(), List.of(), List.of(), "", "");

  public RunConfig {
    entrypoint = List.copyOf(entrypoint);
    cmd = List.copyOf(cmd);
    env = List.copyOf(env);
  }

  /** ENTRYPOINT then CMD, as a container runtime runs them. */
  public List<String> argv() {
    List<String> a = new ArrayList<>(entrypoint);
    a.addAll(cmd);
    return a;
  }

  static RunConfig parse(JsonNode config, String where) throws RegistryException {
    if (config == null || config.isMissingNode() || config.isNull()) {
      return NONE;
    }
    return new RunConfig(
        strings(config.path("Entrypoint"), where + " Entrypoint"),
        strings(config.path("Cmd"), where + " Cmd"),
        strings(config.path("Env"), where + " Env"),
        string(config.path("WorkingDir"), where + " WorkingDir"),
        string(config.path("User"), where + " User"));
  }

  private static List<String> strings(JsonNode n, String where) throws RegistryException {
    if (n.isMissingNode() || n.isNull()) {
      return List.of();
    }
    if (!n.isArray() || n.size() > MAX_ITEMS) {
      throw bad(where + " is not a list of at most " + MAX_ITEMS + " strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode s : n) {
      out.add(string(s, where));
    }
    return out;
  }

  private static String string(JsonNode n, String where) throws RegistryException {
    if (n.isMissingNode() || n.isNull()) {
      return "";
    }
    if (!n.isTextual() || n.asText().length() > MAX_CHARS || n.asText().indexOf('\0') >= 0) {
      throw bad(
          where + " holds a value that is not a string of at most " + MAX_CHARS + " characters");
    }
    return n.asText();
  }

  private static RegistryException bad(String sentence) {
    return new RegistryException(RegistryException.Kind.PROTOCOL, sentence);
  }
}
