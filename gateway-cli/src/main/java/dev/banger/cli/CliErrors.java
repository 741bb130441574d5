package dev.banger.cli;

import com.google.rpc.ErrorInfo;
import dev.banger.kit.grpc.Errors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Optional;

/**
 * gRPC statuses as the one sentence a user reads (docs/architecture.md §3), with the fix where
 * there is one: {@code vm "x" not found — see 'banger vm list'}. The code, reason and metadata are
 * kept for {@code --debug}.
 */
public final class CliErrors {

  private CliErrors() {}

  public static CliException of(StatusRuntimeException e) {
    Status s = e.getStatus();
    String what = s.getDescription() == null ? s.getCode().toString() : s.getDescription();
    Optional<ErrorInfo> info = Errors.errorInfo(e);
    String reason = info.map(ErrorInfo::getReason).orElse("");
    String hint =
        switch (reason) {
          case "VM_NOT_FOUND" -> " — see 'banger vm list'";
          case "VM_EXISTS" -> " — pick another --name, or 'banger vm delete' it first";
          case "VM_WRONG_STATE" -> "";
          // vm-service's NOT_FOUND sentences already name the fix; image-service's are bare.
          case "IMAGE_NOT_FOUND" -> what.contains("'banger ") ? "" : " — see 'banger image list'";
          case "KERNEL_NOT_FOUND" -> what.contains("'banger ") ? "" : " — see 'banger kernel list'";
          case "NO_KERNEL" -> "";
          // image-service speaks of request fields; say which flag that is.
          case "IMAGE_EXISTS" -> " (the CLI's --force, or --name)";
          case "IMAGE_IN_USE", "KERNEL_IN_USE" -> " (the CLI's -f)";
          case "IMAGE_NOT_PROMOTED", "CATALOG_ENTRY_NOT_FOUND" ->
              ""; // their sentences name the fix
          case "HOST_KERNEL_MISSING" -> " (the CLI's --release, or --kernel PATH)";
          case "KERNEL_EXISTS" -> " (the CLI's 'banger kernel rm', or --name)";
          default ->
              switch (s.getCode()) {
                case UNAVAILABLE ->
                    what.contains(" is not running (nothing listens on ")
                            || what.contains(" did not answer") && !what.contains(" refused ")
                        ? " — is bangerd running? see 'banger status'"
                        : "";
                case PERMISSION_DENIED ->
                    " — ask the administrator to add you to the service's allow list";
                case DEADLINE_EXCEEDED -> " — the service did not answer in time";
                default -> "";
              };
        };
    String debug =
        "status "
            + s.getCode()
            + (reason.isEmpty() ? "" : ", reason " + reason)
            + info.map(i -> ", metadata " + i.getMetadataMap()).orElse("");
    // A request the service refused as malformed (a bad name, size or path) is a usage error, as
    // a flag picocli refuses is: exit 2. Everything else that failed is 1.
    int exit = s.getCode() == io.grpc.Status.Code.INVALID_ARGUMENT ? 2 : 1;
    return new CliException(what + hint, exit, debug);
  }

  /** Any failure of a command as the sentence it is reported with. */
  static CliException from(Throwable t) {
    return t instanceof StatusRuntimeException s
        ? of(s)
        : t instanceof CliException c ? c : new CliException(String.valueOf(t.getMessage()));
  }
}
