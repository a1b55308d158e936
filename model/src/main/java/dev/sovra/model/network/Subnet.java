package dev.sovra.model.network;

/**
 * An IPv4 subnet of a segment.
 *
 * @param cidr the subnet, e.g. {@code 10.0.0.0/24}
 * @param gateway the router address handed out by DHCP (may be null: no default route)
 * @param dhcpServer the address the node's DHCP server uses on this subnet (the controller's IPAM reserves it,
 *     like any other port address); null disables DHCP on the subnet
 */
public record Subnet(String cidr, String gateway, String dhcpServer) {

    public Subnet {
        Cidr parsed = Cidr.parse(cidr);
        if (parsed.prefixLength() > 30) {
            throw new IllegalArgumentException("subnet " + cidr + " is too small for guests (prefix > 30)");
        }
        cidr = parsed.toString();
        gateway = checkedHost(parsed, gateway, "gateway");
        dhcpServer = checkedHost(parsed, dhcpServer, "dhcpServer");
        if (gateway != null && gateway.equals(dhcpServer)) {
            throw new IllegalArgumentException("subnet " + cidr + ": gateway and DHCP server share " + gateway);
        }
    }

    public static Subnet of(String cidr, String gateway) {
        return new Subnet(cidr, gateway, null);
    }

    public Cidr parsedCidr() {
        return Cidr.parse(cidr);
    }

    public boolean dhcpEnabled() {
        return dhcpServer != null;
    }

    private static String checkedHost(Cidr subnet, String address, String what) {
        if (address == null) {
            return null;
        }
        String canonical = Ipv4.canonical(address);
        int value = Ipv4.parse(canonical);
        int broadcast = subnet.network() | ~subnet.netmask();
        if (!subnet.contains(value) || value == subnet.network() || value == broadcast) {
            throw new IllegalArgumentException(what + " " + address + " is not a host address of subnet " + subnet);
        }
        return canonical;
    }
}
