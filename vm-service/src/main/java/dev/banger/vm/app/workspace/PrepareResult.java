package dev.banger.vm.app.workspace;

import java.util.List;

/**
 * @param entries files, directories and links sent
 * @param bytes bytes of file content sent
 * @param offline written onto the stopped VM's work disk rather than over SSH
 * @param paths only for a dry run: what would be sent
 */
public record PrepareResult(
    PreparedWorkspace workspace, int entries, long bytes, boolean offline, List<String> paths) {}
