package dev.sovra.controller.network;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.model.Resource;
import jakarta.inject.Singleton;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * NICs: {@code subnetRef} (required, {@code networks/<net>/subnets/<name>}, must exist), {@code addresses} (1 to
 * 32 IPs of at most 39 characters inside the subnet; {@code 0.0.0.0} / {@code ::} or no list at all ask for
 * automatic assignment), {@code publicIpRefs} and {@code securityGroupRefs} (at most 16 each), {@code skuRef}
 * (optional, a catalogue SKU, immutable once set).
 */
@Singleton
public final class NicRules {
    private final NetworkResources net;

    public NicRules(NetworkResources net) {
        this.net = net;
    }

    static String pool(String tenant, String workspace, String network, String subnet) {
        return NetworkResources.key("nics", tenant, workspace, network, subnet);
    }

    /** The subnet a NIC spec names: network and subnet name. */
    private record SubnetRef(String network, String subnet) {}

    private static SubnetRef subnetRef(Map<String, Object> spec, String tenant, String workspace) {
        Ref ref = Ref.parse("spec.subnetRef", spec.get("subnetRef"));
        if (ref == null) {
            throw Specs.invalid("spec.subnetRef", "is required");
        }
        String subnet = ref.target("subnets", tenant, workspace);
        String network = ref.path().get("networks");
        if (network == null) {
            throw Specs.invalid("spec.subnetRef", "must name the subnet's network: networks/<network>/subnets/<name>, was " + ref.text());
        }
        return new SubnetRef(network, subnet);
    }

    public KindRules rules(String tenant, String workspace, String name) {
        return new KindRules() {
            private String previousPool;

            @Override
            public void validate(String t, String w, ResourceRequest request, Resource existing) {
                Map<String, Object> spec = request.spec();
                SubnetRef subnetRef = subnetRef(spec, tenant, workspace);
                Resource subnet = net.get(NetworkResources.subnets(subnetRef.network()), tenant, workspace, subnetRef.subnet())
                        .filter(s -> net.get(NetworkResources.NETWORK, tenant, workspace, subnetRef.network()).isPresent())
                        .orElseThrow(() -> Specs.invalid("spec.subnetRef", "names no subnet: networks/" + subnetRef.network()
                                + "/subnets/" + subnetRef.subnet()));
                Map<Ip.Family, Ip.Block> range = net.subnetCidr(tenant, workspace, subnetRef.network(), subnet.name(), subnet.spec());
                List<Object> addresses = Specs.list("spec.addresses", spec.get("addresses"), false, 1, 32);
                Set<String> seen = new HashSet<>();
                for (int i = 0; addresses != null && i < addresses.size(); i++) {
                    String field = "spec.addresses[" + i + "]";
                    String text = Specs.string(field, addresses.get(i), true, 1, 39);
                    Ip.Block address = Ip.address(text).orElseThrow(() -> Specs.invalid(field, "must be a valid IP address, was '" + text + "'"));
                    Ip.Block block = range.get(address.family());
                    if (block == null) {
                        throw Specs.invalid(field, "is an " + address.family() + " address but subnet " + subnet.name() + " has no "
                                + address.family() + " range");
                    }
                    if (address.base().signum() != 0) {
                        if (!block.contains(address.base())) {
                            throw Specs.invalid(field, text + " does not lie inside subnet " + subnet.name() + " (" + block + ")");
                        }
                        // Another NIC may hold the same fixed address: the conformance queries create two NICs with one
                        // address (CONFORMANCE.md 5.12). Automatic assignment never hands out an address that is held.
                        if (!seen.add(Ip.format(address.family(), address.base()))) {
                            throw Specs.invalid(field, text + " appears twice");
                        }
                    }
                }
                List<Object> publicIps = Specs.list("spec.publicIpRefs", spec.get("publicIpRefs"), false, 0, 16);
                for (int i = 0; publicIps != null && i < publicIps.size(); i++) {
                    // Deliberately not checked for existence: the conformance provider lifecycle creates a NIC whose public IP
                    // is created afterwards and expects it to become active, while NicError expects 'non-existent-pip' to be
                    // refused. The two requests differ only in the public IP's name (CONFORMANCE.md 5.2), so only a
                    // name-based hack could pass both; Sovra accepts the dangling reference (NicError's pip case fails).
                    Ref.element("spec.publicIpRefs[" + i + "]", publicIps.get(i)).target("public-ips", tenant, workspace);
                }
                List<Object> groups = Specs.list("spec.securityGroupRefs", spec.get("securityGroupRefs"), false, 0, 16);
                for (int i = 0; groups != null && i < groups.size(); i++) {
                    String field = "spec.securityGroupRefs[" + i + "]";
                    String group = Ref.element(field, groups.get(i)).target("security-groups", tenant, workspace);
                    if (net.get(NetworkResources.SECURITY_GROUP, tenant, workspace, group).isEmpty()) {
                        throw Specs.invalid(field, "names no security group: " + group);
                    }
                }
                net.networkSku("spec.skuRef", spec.get("skuRef"), tenant, false);
                if (existing != null && existing.spec().get("skuRef") != null
                        && !Objects.equals(skuName(existing.spec(), tenant), skuName(spec, tenant))) {
                    throw ApiProblem.unprocessable("spec.skuRef is immutable once set (was " + skuName(existing.spec(), tenant) + ")");
                }
                if (existing != null) {
                    SubnetRef before = subnetRef(existing.spec(), tenant, workspace);
                    previousPool = pool(tenant, workspace, before.network(), before.subnet());
                }
                allocate(tenant, workspace, name, spec, subnetRef, range, true);
            }

            @Override
            public void written(Resource nic) {
                SubnetRef now = subnetRef(nic.spec(), tenant, workspace);
                if (previousPool != null && !previousPool.equals(pool(tenant, workspace, now.network(), now.subnet()))) {
                    net.ipam.release(previousPool, name);
                }
            }

            @Override
            public void deleted(Resource nic) {
                SubnetRef ref = subnetRef(nic.spec(), tenant, workspace);
                net.ipam.release(pool(tenant, workspace, ref.network(), ref.subnet()), name);
            }
        };
    }

    private static String skuName(Map<String, Object> spec, String tenant) {
        Ref ref = Ref.parse("spec.skuRef", spec.get("skuRef"));
        return ref == null ? null : ref.target("skus", tenant, null);
    }

    /**
     * The NIC's addresses in spec order: fixed ones as given, automatic ones allocated from the subnet (skipping its
     * network address, the gateway at network + 1, the DHCP server at last - 1, and its last address) and kept across updates.
     */
    private List<String> allocate(String tenant, String workspace, String name, Map<String, Object> spec, SubnetRef subnetRef,
                                  Map<Ip.Family, Ip.Block> range, boolean refuse) {
        List<String> wanted = new ArrayList<>();
        Object given = spec.get("addresses");
        if (given instanceof List<?> list) {
            list.forEach(a -> wanted.add(String.valueOf(a)));
        } else {
            // NIC addresses are filled in when missing (API.md 7): one automatic address of the subnet's first family.
            wanted.add(range.containsKey(Ip.Family.V4) ? "0.0.0.0" : "::");
        }
        String pool = pool(tenant, workspace, subnetRef.network(), subnetRef.subnet());
        try {
            return net.ipam.assign(pool, name, owner -> net.get(NetworkResources.NIC, tenant, workspace, owner)
                    .map(nic -> subnetRef.equals(subnetRef(nic.spec(), tenant, workspace))).orElse(false), (taken, current) -> {
                List<Ip.Block> used = new ArrayList<>();
                taken.forEach(t -> Ip.address(t).ifPresent(used::add));
                List<Ip.Block> parsed = wanted.stream().map(w -> Ip.address(w).orElseThrow()).toList();
                parsed.stream().filter(a -> a.base().signum() != 0).forEach(used::add);
                List<String> chosen = new ArrayList<>();
                for (int i = 0; i < parsed.size(); i++) {
                    Ip.Block address = parsed.get(i);
                    if (address.base().signum() != 0) {
                        chosen.add(wanted.get(i));
                        continue;
                    }
                    Ip.Block block = range.get(address.family());
                    int index = i;
                    Optional<Ip.Block> kept = current == null || current.size() != parsed.size() ? Optional.empty()
                            : Ip.address(current.get(index)).filter(c -> c.family() == address.family() && block.contains(c.base())
                                    && used.stream().noneMatch(c::overlaps));
                    Ip.Block picked = kept.orElseGet(() -> Ipam.firstFree(block, address.family().bits, used, reserved(block)));
                    if (picked == null) {
                        throw ApiProblem.conflict("spec.addresses[" + i + "]: subnet " + subnetRef.subnet() + " (" + block
                                + ") has no free address left");
                    }
                    chosen.add(Ip.format(address.family(), picked.base()));
                    used.add(picked);
                }
                return chosen;
            });
        } catch (ApiProblem problem) {
            if (refuse) {
                throw problem;
            }
            return wanted.stream().filter(a -> Ip.address(a).map(b -> b.base().signum() != 0).orElse(false)).toList();
        }
    }

    private static Set<BigInteger> reserved(Ip.Block block) {
        Set<BigInteger> reserved = new HashSet<>();
        reserved.add(block.base());
        reserved.add(block.base().add(BigInteger.ONE));
        reserved.add(block.last());
        if (block.family() == Ip.Family.V4 && block.prefix() <= 29) {
            reserved.add(NetworkReconciler.dhcpServer(block)); // the subnet's DHCP server on every node
        }
        return reserved;
    }

    static Set<String> publicIpNames(Resource nic) {
        Set<String> names = new HashSet<>();
        if (nic.spec().get("publicIpRefs") instanceof List<?> refs) {
            for (Object ref : refs) {
                try {
                    names.add(Ref.parse("publicIpRefs", ref).target("public-ips", nic.tenant(), nic.workspace()));
                } catch (ApiProblem unreadable) {
                    // stored specs were validated; ignore anything else
                }
            }
        }
        return names;
    }

    /** Status: {@code addresses} (allocated), {@code macAddress} (stable per NIC) and {@code publicIpRefs} as given. */
    public Map<String, Object> status(Resource nic) {
        Map<String, Object> status = new LinkedHashMap<>();
        List<String> addresses = List.of();
        try {
            SubnetRef ref = subnetRef(nic.spec(), nic.tenant(), nic.workspace());
            Optional<Resource> subnet = net.get(NetworkResources.subnets(ref.network()), nic.tenant(), nic.workspace(), ref.subnet());
            if (subnet.isPresent()) {
                Map<Ip.Family, Ip.Block> range = net.subnetCidr(nic.tenant(), nic.workspace(), ref.network(), ref.subnet(),
                        subnet.get().spec());
                addresses = allocate(nic.tenant(), nic.workspace(), nic.name(), nic.spec(), ref, range, false);
            } else if (nic.spec().get("addresses") instanceof List<?> given) {
                addresses = given.stream().map(String::valueOf).filter(a -> Ip.address(a).map(b -> b.base().signum() != 0).orElse(false))
                        .toList();
            }
        } catch (ApiProblem unreadable) {
            // the subnet went away with its network; report what the spec fixes
        }
        status.put("addresses", addresses);
        status.put("macAddress", mac(nic));
        if (nic.spec().get("publicIpRefs") != null) {
            status.put("publicIpRefs", nic.spec().get("publicIpRefs"));
        }
        return status;
    }

    /** A locally administered unicast MAC derived from the NIC's identity (URN and creation time). */
    static String mac(Resource nic) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest((NetworkResources.PROVIDER + "/tenants/" + nic.tenant()
                    + "/workspaces/" + nic.workspace() + "/nics/" + nic.name() + "@" + nic.metadata().createdAt())
                    .getBytes(StandardCharsets.UTF_8));
            StringBuilder mac = new StringBuilder();
            for (int i = 0; i < 6; i++) {
                int b = digest[i] & 0xff;
                if (i == 0) {
                    b = (b & 0xfc) | 0x02;
                }
                if (i > 0) {
                    mac.append(':');
                }
                mac.append(String.format("%02x", b));
            }
            return mac.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
