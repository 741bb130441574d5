package dev.banger.vm.app.workspace;

/**
 * What a PrepareWorkspace asks; every field is checked by {@link WorkspacePrepare}.
 *
 * @param vm an id or name; may be empty for a dry run
 * @param guestPath empty for /root/&lt;the checkout's name&gt;
 * @param branch empty for none; else a branch git makes in the guest
 * @param fromRef empty for HEAD; needs a branch
 * @param dryRun list what would be sent, send nothing
 * @param force copy again over changes made in the VM since the last copy
 */
public record PrepareRequest(
    String vm,
    String hostPath,
    String guestPath,
    boolean includeUntracked,
    String branch,
    String fromRef,
    boolean dryRun,
    boolean force) {}
