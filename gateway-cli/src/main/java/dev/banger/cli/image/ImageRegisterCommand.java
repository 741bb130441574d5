package dev.banger.cli.image;

import dev.banger.api.image.v1.Image;
import dev.banger.api.image.v1.RegisterImageRequest;
import dev.banger.cli.CliPaths;
import dev.banger.cli.Services;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "register",
    description =
        "Record an ext4 rootfs file of your own as an image, by reference"
            + " (checked, not copied; 'image promote' copies it in for VMs).",
    mixinStandardHelpOptions = true)
public final class ImageRegisterCommand implements Callable<Integer> {
  @CommandLine.ParentCommand ImageCommand image;

  @Parameters(index = "0", paramLabel = "NAME")
  String name;

  @Parameters(index = "1", paramLabel = "PATH", description = "The ext4 rootfs file.")
  Path path;

  @Option(names = "--kernel", paramLabel = "KERNEL", description = "Its default kernel.")
  String kernel;

  @Override
  public Integer call() {
    RegisterImageRequest.Builder req =
        RegisterImageRequest.newBuilder()
            .setRequestId(UUID.randomUUID().toString())
            .setName(name)
            .setRootfsPath(CliPaths.existing("PATH", path));
    if (kernel != null) {
      req.setDefaultKernel(kernel);
    }
    try (Services s = image.services()) {
      Image i = s.imageLong().registerImage(req.build()).getImage();
      image.out().println(i.getName());
      if (!i.getManaged()) {
        image
            .err()
            .println(
                "registered "
                    + i.getRootfsPath()
                    + " by reference; 'banger image promote "
                    + i.getName()
                    + "' before a VM can use it");
      }
      return 0;
    }
  }
}
