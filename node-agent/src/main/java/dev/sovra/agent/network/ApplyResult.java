package dev.sovra.agent.network;

import java.time.Duration;
import java.util.List;

/**
 * What one {@link NetworkPlane#apply} found and did.
 *
 * @param datapath the integration bridge's datapath type ({@code system} or {@code netdev})
 * @param flows the number of flows the pipeline has now
 * @param portsAdded ports created (including re-bound ones)
 * @param portsRemoved ports removed because the spec no longer has them
 * @param portsRebound device ports re-created because their device was re-created
 * @param dhcpServersRemoved DHCP servers stopped because their segment left the node
 * @param notOpened ports ovs-vswitchd could not open yet (e.g. the guest's tap does not exist yet), with the reason
 */
public record ApplyResult(String datapath, int nics, int tunnels, int dhcpServers, int flows, int portsAdded,
                          int portsRemoved, int portsRebound, int dhcpServersRemoved, List<String> notOpened,
                          Duration took) {
    public ApplyResult {
        notOpened = List.copyOf(notOpened);
    }

    /** Whether the apply changed ports or servers (flows are diffed by ovs-ofctl and not counted here). */
    public boolean changedPorts() {
        return portsAdded + portsRemoved + portsRebound + dhcpServersRemoved > 0;
    }
}
