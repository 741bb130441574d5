package dev.banger.bangerd;

import com.google.inject.multibindings.OptionalBinder;
import dev.banger.vm.StepFaults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/**
 * bangerd with a failure injector for vm-service's start steps: before each step it reads the
 * file named by {@code -Dbanger.test.fault-file}; when that holds the step's name, the step
 * fails. The end-to-end test writes the file to choose which step fails next.
 */
public final class FaultyBangerd {

  private FaultyBangerd() {}

  public static void main(String[] args) {
    Path file = Path.of(System.getProperty("banger.test.fault-file"));
    Bangerd b = new Bangerd();
    b.extraModules = List.of(binder -> OptionalBinder.newOptionalBinder(binder, StepFaults.class).setBinding()
        .toInstance(step -> {
          String want = Files.exists(file) ? Files.readString(file).strip() : "";
          if (want.equals(step)) {
            throw new IllegalStateException("injected failure before " + step);
          }
        }));
    int code = new CommandLine(b).execute(args);
    if (code != 0) {
      System.exit(code);
    }
  }
}
