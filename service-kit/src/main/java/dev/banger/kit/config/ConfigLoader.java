package dev.banger.kit.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import dev.banger.kit.auth.Principal;
import dev.banger.kit.grpc.SocketSpec;
import dev.banger.kit.state.ServiceName;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads config.toml. The default file may be absent (built-in defaults apply); a file named with
 * {@code --config} must exist. Values are checked here, at start-up, so a bad config stops the
 * service with a sentence naming the key instead of failing on the first call. What needs the host
 * (owner and socket user/group names, method names in rules) is checked when the services start,
 * with the same kind of sentence.
 */
public final class ConfigLoader {

  public static final Path DEFAULT_PATH = Path.of("/etc/banger/config.toml");

  private static final TomlMapper MAPPER =
      TomlMapper.builder()
          .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  private ConfigLoader() {}

  /**
   * Loads {@code explicit} if given (must exist), else the default path if present, else defaults.
   */
  public static BangerConfig load(Path explicit) throws ConfigException {
    Path file = explicit != null ? explicit : DEFAULT_PATH;
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      if (explicit != null) {
        throw new ConfigException("config file " + file + " does not exist");
      }
      return BangerConfig.defaults();
    } catch (IOException e) {
      throw new ConfigException("cannot read config file " + file + ": " + e.getMessage(), e);
    }
    return parse(text, file.toString());
  }

  public static BangerConfig parse(String toml, String origin) throws ConfigException {
    BangerConfig cfg;
    try {
      cfg = MAPPER.readValue(toml, BangerConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw new ConfigException(
          origin
              + ": unknown key \""
              + path(e)
              + "\" (known here: "
              + e.getKnownPropertyIds().stream()
                  .map(String::valueOf)
                  .sorted()
                  .collect(Collectors.joining(", "))
              + ")",
          e);
    } catch (JacksonException e) {
      throw new ConfigException(origin + ": " + e.getOriginalMessage(), e);
    }
    if (cfg == null) {
      return BangerConfig.defaults();
    }
    validate(cfg, origin);
    return cfg;
  }

  private static String path(UnrecognizedPropertyException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."));
  }

  private static void validate(BangerConfig cfg, String origin) throws ConfigException {
    if (cfg.shutdownGraceSeconds() != null
        && (cfg.shutdownGraceSeconds() < 0 || cfg.shutdownGraceSeconds() > 600)) {
      throw new ConfigException(
          origin + ": shutdown_grace_seconds must be 0..600, got " + cfg.shutdownGraceSeconds());
    }
    if (cfg.owner() != null
        && !cfg.owner().matches("[0-9]{1,10}")
        && !Principal.NAME.matcher(cfg.owner()).matches()) {
      throw new ConfigException(
          origin + ": owner \"" + cfg.owner() + "\" is not a user name or uid");
    }
    if (cfg.image() != null) {
      try {
        CatalogRules.check(cfg.image().catalog());
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(origin + ": " + ex.getMessage());
      }
    }
    if (cfg.net() != null) {
      cfg.net().validate(origin);
    }
    if (cfg.vm() != null) {
      cfg.vm().validate(origin);
    }
    FileSyncEntry.check(cfg.fileSync(), origin);
    if (cfg.vmDefaults() != null) {
      cfg.vmDefaults().validate(origin);
    }
    Map<String, ServiceConfig> services = cfg.services() == null ? Map.of() : cfg.services();
    for (var e : services.entrySet()) {
      String key = "services." + e.getKey();
      try {
        ServiceName.parse(e.getKey());
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(origin + ": [" + key + "]: " + ex.getMessage());
      }
      ServiceConfig s = e.getValue();
      try {
        if (s.socketMode() != null) {
          SocketSpec.parseMode(s.socketMode());
        }
        if (s.socket() != null && !Path.of(s.socket()).isAbsolute()) {
          throw new IllegalArgumentException(
              "socket must be an absolute path, got \"" + s.socket() + "\"");
        }
        parsePrincipals(s.allow());
        if (s.methods() != null) {
          for (var m : s.methods().entrySet()) {
            if (!m.getKey().matches("[A-Za-z0-9_.]+/([A-Za-z0-9_]+|\\*)")) {
              throw new IllegalArgumentException(
                  "method key \""
                      + m.getKey()
                      + "\" must look like package.Service/Method or package.Service/*");
            }
            parsePrincipals(m.getValue());
          }
        }
      } catch (IllegalArgumentException ex) {
        throw new ConfigException(origin + ": [" + key + "]: " + ex.getMessage());
      }
    }
  }

  static List<Principal> parsePrincipals(List<String> texts) {
    return texts == null ? null : texts.stream().map(Principal::parse).toList();
  }
}
