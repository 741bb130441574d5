package dev.banger.kit.service;

import dev.banger.kit.config.BangerConfig;
import dev.banger.kit.db.SqliteDatabase;
import dev.banger.kit.ops.OperationRegistry;
import dev.banger.kit.process.CommandRunner;
import dev.banger.kit.state.ServiceName;
import dev.banger.kit.state.StateLayout;

/** What a service gets from the host when it starts. */
public record ServiceContext(
    ServiceName name,
    BangerConfig config,
    StateLayout layout,
    SqliteDatabase database,
    OperationRegistry operations,
    CommandRunner commands) {}
