package dev.banger.kit.config;

import java.util.List;
import java.util.Map;

/**
 * {@code [services.<name>]} in config.toml. Every field is optional; null means "the default".
 *
 * @param socket socket path override (production default {@code /run/banger/<name>.sock})
 * @param socketMode octal permission bits of the socket file, e.g. "0660"
 * @param socketOwner user name or uid to own the socket file
 * @param socketGroup group name or gid of the socket file
 * @param allow who may call any method (principals: root, self, owner, any, uid:N, user:X, group:X)
 * @param methods per-method or per-service ("pkg.Service/*") allow lists, overriding {@code allow}
 */
public record ServiceConfig(
    String socket,
    String socketMode,
    String socketOwner,
    String socketGroup,
    List<String> allow,
    Map<String, List<String>> methods) {

  public static ServiceConfig empty() {
    return new ServiceConfig(null, null, null, null, null, null);
  }
}
