package dev.banger.cli.kernel;

import dev.banger.api.image.v1.DeleteKernelRequest;
import dev.banger.cli.FanOut;
import dev.banger.cli.Services;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "delete",
    aliases = "rm",
    description = "Delete kernels.",
    mixinStandardHelpOptions = true)
public final class KernelDeleteCommand implements Callable<Integer> {
  @CommandLine.ParentCommand KernelCommand kernel;

  @Parameters(arity = "1..*", paramLabel = "KERNEL", description = "Kernel names or ids.")
  List<String> refs;

  @Option(
      names = {"-f", "--force"},
      description = "Delete even while images name it as their default kernel.")
  boolean force;

  @Override
  public Integer call() {
    try (Services s = kernel.services()) {
      return FanOut.each(
          refs,
          ref -> {
            s.image()
                .deleteKernel(
                    DeleteKernelRequest.newBuilder()
                        .setKernel(ref)
                        .setForce(force)
                        .setRequestId(UUID.randomUUID().toString())
                        .build());
            return ref + " deleted";
          },
          kernel.out(),
          kernel.err(),
          kernel.debug());
    }
  }
}
