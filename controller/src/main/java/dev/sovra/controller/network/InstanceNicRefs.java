package dev.sovra.controller.network;

import dev.sovra.controller.compute.ApiProblem;
import dev.sovra.controller.resource.ResourceService;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The NICs an instance spec names ({@code primaryNicRef}, then {@code additionalNicRefs}), checked when the instance
 * is written: each must be a NIC of the instance's workspace that exists, and none may be named twice. Whether
 * another instance holds one is the instance service's check (it knows the instances). The instance's extra
 * {@code securityGroupRef} is checked here too: the reconciler reads it alongside the NICs' groups.
 */
public final class InstanceNicRefs {
    private InstanceNicRefs() {}

    /** The NIC names, primary first; refuses (412 validation error) a reference elsewhere, to nothing, or twice. */
    public static List<String> resolve(Map<String, Object> spec, String tenant, String workspace, ResourceService resources) {
        List<String> fields = new ArrayList<>();
        List<Object> refs = new ArrayList<>();
        if (spec.get("primaryNicRef") != null) {
            fields.add("spec.primaryNicRef");
            refs.add(spec.get("primaryNicRef"));
        }
        List<Object> more = Specs.list("spec.additionalNicRefs", spec.get("additionalNicRefs"), false, 0, 16);
        for (int i = 0; more != null && i < more.size(); i++) {
            fields.add("spec.additionalNicRefs[" + i + "]");
            refs.add(more.get(i));
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            String field = fields.get(i);
            String name = Ref.element(field, refs.get(i)).target("nics", tenant, workspace);
            if (resources.get(NetworkResources.NIC, tenant, workspace, name).isEmpty()) {
                throw ApiProblem.unprocessable(field + ": nic " + name + " does not exist in workspace " + workspace);
            }
            if (names.contains(name)) {
                throw ApiProblem.unprocessable(field + ": nic " + name + " is named twice");
            }
            names.add(name);
        }
        return List.copyOf(names);
    }

    /** Refuses an extra security group ({@code securityGroupRef}) that is malformed, elsewhere or missing. */
    public static void requireSecurityGroup(Map<String, Object> spec, String tenant, String workspace, ResourceService resources) {
        Object ref = spec.get("securityGroupRef");
        if (ref == null) {
            return;
        }
        String name = Ref.element("spec.securityGroupRef", ref).target("security-groups", tenant, workspace);
        if (resources.get(NetworkResources.SECURITY_GROUP, tenant, workspace, name).isEmpty()) {
            throw ApiProblem.unprocessable("spec.securityGroupRef: security group " + name + " does not exist in workspace " + workspace);
        }
    }

    /** The NIC names an accepted spec holds (already checked when it was written). */
    public static List<String> held(Map<String, Object> spec, String tenant, String workspace) {
        List<Object> refs = new ArrayList<>();
        if (spec.get("primaryNicRef") != null) {
            refs.add(spec.get("primaryNicRef"));
        }
        if (spec.get("additionalNicRefs") instanceof List<?> more) {
            refs.addAll(more);
        }
        List<String> names = new ArrayList<>();
        for (Object ref : refs) {
            try {
                names.add(Ref.parse("nicRef", ref).target("nics", tenant, workspace));
            } catch (ApiProblem written) {
                // an instance written before these checks existed: its stray reference holds no NIC here
            }
        }
        return names;
    }
}
