package dev.banger.cli.snapshot;

import dev.banger.cli.CommandGroup;
import picocli.CommandLine.Command;

/** {@code banger snapshot …}: snapshots of running VMs (vm-service, docs/snapshots.md). */
@Command(
    name = "snapshot",
    description = "Take, list, show and delete snapshots of running VMs.",
    mixinStandardHelpOptions = true)
public final class SnapshotCommand extends CommandGroup {}
