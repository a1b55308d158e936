package dev.sovra.bench;

import dev.sovra.model.DiskSpec;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.NicSpec;
import dev.sovra.model.PowerState;
import dev.sovra.model.VolumeSpec;
import dev.sovra.model.network.Direction;
import dev.sovra.model.network.NicPort;
import dev.sovra.model.network.NodeNetworkSpec;
import dev.sovra.model.network.PortRange;
import dev.sovra.model.network.Protocol;
import dev.sovra.model.network.RemoteNic;
import dev.sovra.model.network.SecurityGroup;
import dev.sovra.model.network.SecurityRule;
import dev.sovra.model.network.Segment;
import dev.sovra.model.network.Subnet;
import dev.sovra.model.network.TunnelType;
import dev.sovra.model.network.Underlay;
import dev.sovra.transport.WireSize;
import dev.sovra.transport.message.DesiredState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * {@code bench message-size --instances 100,500}: the wire size of the DesiredState the controller pushes to one
 * node holding N instances, each with a boot and a data volume on Ceph and one NIC, spread over 10 tenant networks
 * with 2 security groups, and as many NICs of the same networks on other nodes (remote NICs) as local ones. The
 * shape follows what {@code InstanceReconciler} and {@code NetworkReconciler} build; names and ids have the lengths
 * of real ones (UUIDs, SECA paths). Sizes the outbound bound per connection.
 */
final class MessageSizeBench {
    private static final int NETWORKS = 10;

    private MessageSizeBench() {}

    static void run(Args args) {
        String levels = args.option("--instances") == null ? "1,100,500,1000" : args.option("--instances");
        for (String level : levels.split(",")) {
            int instances = Integer.parseInt(level.trim());
            DesiredState withNetwork = desired(instances, true);
            DesiredState computeOnly = desired(instances, false);
            int size = WireSize.of(withNetwork);
            int sizeComputeOnly = WireSize.of(computeOnly);
            System.out.printf(Locale.ROOT, "instances=%d desired_state_bytes=%d bytes_per_instance=%.0f compute_and_storage_only_bytes=%d%n",
                    instances, size, size / (double) instances, sizeComputeOnly);
        }
    }

    static DesiredState desired(int count, boolean network) {
        List<InstanceSpec> instances = new ArrayList<>();
        List<VolumeSpec> volumes = new ArrayList<>();
        List<NicPort> ports = new ArrayList<>();
        List<RemoteNic> remote = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String ws = "tenants/tenant-" + (i % 7) + "/workspaces/workspace-" + (i % 3);
            String boot = UUID.nameUUIDFromBytes(("boot" + i).getBytes()).toString();
            String data = UUID.nameUUIDFromBytes(("data" + i).getBytes()).toString();
            String mac = String.format(Locale.ROOT, "02:5a:%02x:%02x:%02x:%02x", (i >> 24) & 0xff, (i >> 16) & 0xff, (i >> 8) & 0xff,
                    i & 0xff);
            String tap = "tn" + mac.replace(":", "").substring(2);
            instances.add(new InstanceSpec(UUID.nameUUIDFromBytes(("vm" + i).getBytes()).toString(), ws + "/instances/instance-" + i, 2,
                    4096, null, List.of(new DiskSpec("vda", boot, "ceph"), new DiskSpec("vdb", data, "ceph")),
                    network ? List.of(new NicSpec(tap, mac)) : List.of(), PowerState.ON, 0));
            volumes.add(new VolumeSpec(boot, ws + "/block-storages/boot-" + i, "ceph", 20480, UUID.randomUUID().toString(), true));
            volumes.add(new VolumeSpec(data, ws + "/block-storages/data-" + i, "ceph", 102400, null, true));
            String networkId = "net-" + (i % NETWORKS);
            List<String> groups = List.of("sg-default-" + (i % NETWORKS), "sg-web-" + (i % NETWORKS));
            ports.add(new NicPort(ws + "/nics/nic-" + i, tap, mac, List.of("10." + (i % NETWORKS) + "." + (i / 250) + "." + (i % 250 + 2)),
                    networkId, groups));
            remote.add(new RemoteNic(ws + "/nics/remote-nic-" + i, String.format(Locale.ROOT, "02:5b:00:00:%02x:%02x", (i >> 8) & 0xff,
                    i & 0xff), List.of("10." + (i % NETWORKS) + "." + (200 + i / 250) + "." + (i % 250 + 2)), networkId, "192.168.1." + (i % 20 + 2),
                    groups));
        }
        if (!network) {
            return new DesiredState(1, instances, volumes, List.of(), null);
        }
        List<Segment> segments = new ArrayList<>();
        List<SecurityGroup> groups = new ArrayList<>();
        for (int n = 0; n < NETWORKS; n++) {
            List<String> endpoints = new ArrayList<>();
            for (int e = 0; e < 20; e++) {
                endpoints.add("192.168.1." + (e + 2));
            }
            segments.add(new Segment("net-" + n, 1000 + n, List.of(new Subnet("10." + n + ".0.0/16", "10." + n + ".0.1", "10." + n + ".255.254")),
                    endpoints));
            groups.add(new SecurityGroup("sg-default-" + n, List.of(
                    new SecurityRule(Direction.INGRESS, Protocol.ICMP, null, "0.0.0.0/0", null),
                    new SecurityRule(Direction.INGRESS, Protocol.ANY, null, null, "sg-default-" + n))));
            groups.add(new SecurityGroup("sg-web-" + n, List.of(
                    new SecurityRule(Direction.INGRESS, Protocol.TCP, new PortRange(443, 443), "0.0.0.0/0", null),
                    new SecurityRule(Direction.INGRESS, Protocol.TCP, new PortRange(22, 22), "10.0.0.0/8", null))));
        }
        NodeNetworkSpec spec = new NodeNetworkSpec(new Underlay("192.168.1.1", TunnelType.VXLAN, 1500), segments, ports, remote,
                groups, List.of());
        return new DesiredState(1, instances, volumes, List.of(), spec);
    }
}
