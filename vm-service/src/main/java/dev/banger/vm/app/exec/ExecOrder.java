package dev.banger.vm.app.exec;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What Exec was asked to run, as the client sent it (checked by {@link ExecRules}).
 *
 * @param workingDir "" for the default (the VM's workspace, else /root)
 * @param user "" for root
 * @param columns the terminal's width with {@code tty} (0: 80)
 * @param rows the terminal's height with {@code tty} (0: 24)
 * @param timeout null for none
 */
public record ExecOrder(
    String vm,
    List<String> argv,
    boolean shell,
    Map<String, String> env,
    String workingDir,
    String user,
    boolean tty,
    int columns,
    int rows,
    Duration timeout) {

  public ExecOrder {
    argv = List.copyOf(argv);
    env = Map.copyOf(env);
  }
}
