package dev.banger.net;

import dev.banger.kit.net.Ipv4Cidr;

/**
 * A bridge net-service has set up.
 *
 * @param created true when banger made the link, so it may delete it; false when it found it
 */
record BridgeRecord(String name, Ipv4Cidr cidr, boolean created) {}
