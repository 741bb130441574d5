package dev.banger.vm.workspace;

import java.nio.file.Path;
import java.util.List;

/**
 * What a prepare sends: the work tree's root, the host's HEAD commit ("" for a repository with no
 * commit yet), and the paths under the root, relative and in the order they are sent (the
 * repository's own {@code .git} tree first, then the work tree's files).
 */
public record WorkspaceSource(Path root, String head, List<String> paths) {}
