package dev.banger.vm.driver.firecracker;

import dev.banger.kit.process.HostCommandRunner;
import dev.banger.vm.driver.LaunchSpec;
import dev.banger.vm.driver.RunningVm;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Plays a vm-service that launches one VM and then dies: {@code LaunchThenExitMain RUN_DIR KERNEL
 * ROOTFS STUB_ARGV…} launches through the real driver, prints its own pid and the handle, and exits
 * without stopping anything. The test then adopts the VM from another JVM.
 */
public final class LaunchThenExitMain {

  private LaunchThenExitMain() {}

  public static void main(String[] args) throws Exception {
    Path run = Path.of(args[0]);
    List<String> stub = Arrays.asList(args).subList(3, args.length);
    LaunchSpec spec =
        LaunchSpec.builder()
            .vmId("0badc0de-0000-4000-8000-000000000001")
            .vcpus(1)
            .memoryMib(128)
            .kernel(Path.of(args[1]))
            .initrd(Optional.empty())
            .bootArgs("")
            .rootDisk(Path.of(args[2]))
            .workDisk(Optional.empty())
            .tap(Optional.empty())
            .runDir(run)
            .build();
    RunningVm vm = new FirecrackerDriver(new HostCommandRunner(), stub).launch(spec);
    System.out.println(
        ProcessHandle.current().pid() + " " + vm.pid() + " " + vm.handle().started());
    System.out.flush();
    System.exit(0); // no shutdown of anything: a crash would look the same to the VM
  }
}
