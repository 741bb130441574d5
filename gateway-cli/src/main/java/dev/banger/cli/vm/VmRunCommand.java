package dev.banger.cli.vm;

import dev.banger.api.vm.v1.DeleteVmRequest;
import dev.banger.api.vm.v1.PrepareWorkspaceResult;
import dev.banger.api.vm.v1.Vm;
import dev.banger.api.vm.v1.VmState;
import dev.banger.cli.CliException;
import dev.banger.cli.ProgressPrinter;
import dev.banger.cli.Services;
import dev.banger.cli.guest.GuestExecStream;
import dev.banger.cli.guest.GuestShell;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code banger vm run [PATH] [-- cmd…]}: a fresh VM, then a shell in it (bare), or one command
 * whose exit status becomes banger's; {@code --rm} deletes the VM afterwards, {@code -d} returns
 * once it is ready. With PATH (workspace mode, docs/workspaces.md) the git checkout there is copied
 * in first and the shell or command runs in it; the checkout is checked (a dry run of the prepare)
 * before any VM is made, so a bad PATH leaves nothing behind.
 */
@Command(
    name = "run",
    description = "Create and start a VM, then open a shell or run a command in it.",
    mixinStandardHelpOptions = true)
public final class VmRunCommand implements Callable<Integer> {

  @CommandLine.ParentCommand VmCommand vm;
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin VmSpecOptions specOptions;

  @Option(names = "--rm", description = "Delete the VM when the shell or command ends.")
  boolean rm;

  @Option(
      names = {"-d", "--detach"},
      description = "Return once the VM is ready; print its name.")
  boolean detach;

  @Option(
      names = {"-q", "--quiet"},
      description = "No progress.")
  boolean quiet;

  @Option(
      names = "--dry-run",
      description = "With PATH: list what would be copied in, one path per line; make no VM.")
  boolean dryRun;

  @Parameters(
      paramLabel = "[PATH] CMD",
      description =
          "A git checkout to copy in (before --), and the command to"
              + " run in the VM (after --).")
  List<String> words = List.of();

  @CommandLine.Mixin WorkspaceOptions workspace;

  /**
   * A VM without a command is for the image's own command (docs/guest-kit.md): when the image says
   * its command cannot run, say so before any VM exists.
   */
  private void refuseBrokenImageCommand(Services s) {
    if (specOptions.image == null || specOptions.snapshot != null) {
      return;
    }
    dev.banger.api.image.v1.Image image;
    try {
      image =
          s.image()
              .getImage(
                  dev.banger.api.image.v1.GetImageRequest.newBuilder()
                      .setImage(specOptions.image)
                      .build())
              .getImage();
    } catch (StatusRuntimeException e) {
      return; // the create names a missing image in its own words
    }
    String problem = image.getCommand().getProblem();
    if (image.getGuestBoot() == dev.banger.api.image.v1.GuestBoot.GUEST_BOOT_KIT
        && !problem.isEmpty()) {
      throw new CliException(
          "image "
              + image.getName()
              + "'s own command cannot run: "
              + problem
              + "; give the VM a command: banger vm run --image "
              + image.getName()
              + " -- CMD",
          1,
          null);
    }
  }

  @Override
  public Integer call() {
    List<String> original = spec.commandLine().getParseResult().originalArgs();
    int dashes = original.indexOf("--");
    int beforeDashes = dashes < 0 ? words.size() : words.size() - (original.size() - dashes - 1);
    if (beforeDashes > 1) {
      throw new CliException(
          "vm run takes one PATH before --, got "
              + beforeDashes
              + " words; put the command after"
              + " --: banger vm run "
              + words.get(0)
              + " -- "
              + String.join(" ", words.subList(1, words.size())),
          2,
          null);
    }
    java.nio.file.Path path = beforeDashes == 1 ? java.nio.file.Path.of(words.get(0)) : null;
    List<String> command = words.subList(beforeDashes, words.size());
    if (dryRun && path == null) {
      throw new CliException(
          "--dry-run lists what PATH would copy in: give a PATH (banger vm run ./repo --dry-run)",
          2,
          null);
    }
    if (detach && (rm || !command.isEmpty())) {
      throw new CliException(
          "-d returns once the VM is ready: it takes neither --rm nor a command", 2, null);
    }
    if (path == null && workspace.given()) {
      throw new CliException(
          "--guest-path, --include-untracked, --branch and --from go with a PATH to copy in",
          2,
          null);
    }
    PrintWriter err = vm.err();
    try (Services s = vm.services()) {
      if (command.isEmpty()) {
        refuseBrokenImageCommand(s);
      }
      if (path != null) {
        // The checkout is checked before a VM exists: a bad PATH costs no VM.
        PrepareWorkspaceResult dry =
            VmWorkspaceCommand.prepare(
                s,
                workspace.request(null, path).setDryRun(true).build(),
                new ProgressPrinter(err, false, true));
        if (dryRun) {
          VmWorkspaceCommand.printDryRun(vm.out(), err, dry);
          return 0;
        }
      }
      // A fresh VM gets its workspace written onto its work disk before it boots (no SSH, no
      // guest CPU); a branch needs git in the guest, so then it is copied after the start.
      // A VM from a snapshot is running when its create returns (its state is restored, not
      // booted): its workspace can only be copied in over SSH.
      boolean fromSnapshot = specOptions.snapshot != null;
      boolean offline =
          !fromSnapshot && path != null && (workspace.branch == null || workspace.branch.isEmpty());
      ProgressPrinter shown = new ProgressPrinter(err, ProgressPrinter.stderrIsTerminal(), quiet);
      // Recorded first, started second: the CLI knows the VM before its boot, so Ctrl-C can undo
      // it.
      BootInterrupt interrupt = BootInterrupt.install(s, err, specOptions.keepFailed, shown);
      Vm created;
      try {
        created =
            VmCommand.create(
                s,
                fromSnapshot
                    ? specOptions.request().build()
                    : specOptions.request().setNoStart(true).build(),
                shown);
      } catch (StatusRuntimeException e) {
        interrupt.waitIfFired();
        interrupt.remove();
        keptForInspection(s, err, e);
        throw e;
      }
      interrupt.made(created);
      int status;
      boolean keep = false;
      try {
        String dir = null;
        PrepareWorkspaceResult r = null;
        if (offline) {
          r = prepareOffline(s, created, path, shown);
        }
        try {
          if (!fromSnapshot) {
            created = VmCommand.start(s, created.getId(), shown);
          }
        } catch (StatusRuntimeException e) {
          interrupt.waitIfFired();
          interrupt.remove();
          keep = keptForInspection(s, err, created.getName());
          throw e;
        }
        if (path != null) {
          if (r == null) {
            r =
                VmWorkspaceCommand.prepare(
                    s, workspace.request(created.getId(), path).build(), shown);
          }
          if (!quiet) {
            VmWorkspaceCommand.summary(err, created.getName(), r);
          }
          dir = r.getWorkspace().getGuestPath();
        }
        // From here Ctrl-C belongs to the guest's command or shell (or ends a detached run).
        interrupt.remove();
        if (detach) {
          vm.out().println(created.getName());
          return 0;
        }
        String ip = VmCommand.reachable(created);
        // A command goes through vm-service's Exec; a login shell through ssh, for its terminal.
        status =
            !command.isEmpty()
                ? GuestExecStream.run(s, created.getName(), dir, command)
                : dir == null
                    ? GuestShell.run(s, ip, command)
                    : GuestShell.runIn(s, ip, dir, command);
      } catch (RuntimeException e) {
        // A call of the boot that failed because Ctrl-C's hook is undoing the VM: leave the
        // channels to the hook (it reports); any other failure is reported as it is.
        interrupt.waitIfFired();
        throw e;
      } finally {
        // Whatever ended the boot phase, a normal exit must not run the hook.
        interrupt.remove();
        if (rm && !keep) {
          delete(s, created);
        }
      }
      return status;
    }
  }

  private static void delete(Services s, Vm created) {
    s.vmLong()
        .deleteVm(
            DeleteVmRequest.newBuilder()
                .setVm(created.getId())
                .setForce(true)
                .setRequestId(UUID.randomUUID().toString())
                .build());
  }

  /**
   * The workspace onto the work disk of the VM not started yet; null when the service says it must
   * go over SSH after all (a name debugfs cannot carry), which the caller then does.
   */
  private PrepareWorkspaceResult prepareOffline(
      Services s, Vm created, java.nio.file.Path path, ProgressPrinter shown) {
    try {
      return VmWorkspaceCommand.prepare(s, workspace.request(created.getId(), path).build(), shown);
    } catch (StatusRuntimeException e) {
      if (dev.banger.kit.grpc.Errors.errorInfo(e)
          .map(i -> i.getReason())
          .orElse("")
          .equals("WORKSPACE_NEEDS_RUNNING_VM")) {
        return null;
      }
      throw e;
    }
  }

  /** A VM whose start failed stays for 'banger vm logs', even with --rm; say so. */
  private void keptForInspection(Services s, PrintWriter err, StatusRuntimeException failure) {
    String name =
        specOptions.name != null
            ? specOptions.name
            : dev.banger.kit.grpc.Errors.errorInfo(failure)
                .map(i -> i.getMetadataOrDefault("vm", ""))
                .orElse("");
    keptForInspection(s, err, name);
  }

  /** True when the VM is kept (its start failed: state error), said on stderr. */
  private static boolean keptForInspection(Services s, PrintWriter err, String name) {
    if (name.isEmpty()) {
      return false; // refused before a VM was recorded
    }
    try {
      Vm v = VmCommand.get(s, name);
      if (v.getState() == VmState.VM_STATE_ERROR) {
        err.println(
            "banger: kept vm \""
                + v.getName()
                + "\" for inspection: 'banger vm logs "
                + v.getName()
                + "', then 'banger vm delete "
                + v.getName()
                + "'");
        return true;
      }
    } catch (StatusRuntimeException ignored) {
      // not recorded: nothing was kept
    }
    return false;
  }
}
