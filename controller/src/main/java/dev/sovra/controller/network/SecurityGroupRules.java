package dev.sovra.controller.network;

import dev.sovra.controller.resource.ResourceRequest;
import dev.sovra.model.Resource;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Security groups: inline {@code rules} (at most 500, each a valid rule spec) and {@code ruleRefs} (at most 500,
 * each must name an existing security group rule of the workspace).
 */
@Singleton
public final class SecurityGroupRules {
    private final NetworkResources net;

    public SecurityGroupRules(NetworkResources net) {
        this.net = net;
    }

    public KindRules rules() {
        return new KindRules() {
            @Override
            public void validate(String tenant, String workspace, ResourceRequest request, Resource existing) {
                List<Object> rules = Specs.list("spec.rules", request.spec().get("rules"), false, 0, 500);
                for (int i = 0; rules != null && i < rules.size(); i++) {
                    String field = "spec.rules[" + i + "]";
                    SecurityGroupRuleRules.validateRule(field, Specs.object(field, rules.get(i), true), tenant, workspace);
                }
                List<Object> refs = Specs.list("spec.ruleRefs", request.spec().get("ruleRefs"), false, 0, 500);
                for (int i = 0; refs != null && i < refs.size(); i++) {
                    String field = "spec.ruleRefs[" + i + "]";
                    String rule = Ref.element(field, refs.get(i)).target("security-group-rules", tenant, workspace);
                    if (net.get(NetworkResources.SECURITY_GROUP_RULE, tenant, workspace, rule).isEmpty()) {
                        throw Specs.invalid(field, "names no security group rule: " + rule);
                    }
                }
            }
        };
    }

    /** Status: one Status per rule, inline rules first, then referenced rules ({@code pending} once a rule is gone). */
    public Map<String, Object> status(Resource group) {
        List<Map<String, Object>> rules = new ArrayList<>();
        String at = group.metadata().lastModifiedAt().toString();
        if (group.spec().get("rules") instanceof List<?> inline) {
            inline.forEach(r -> rules.add(ruleStatus("active", "Applied", at)));
        }
        if (group.spec().get("ruleRefs") instanceof List<?> refs) {
            for (Object ref : refs) {
                boolean exists;
                try {
                    String name = Ref.parse("ruleRefs", ref).target("security-group-rules", group.tenant(), group.workspace());
                    exists = net.get(NetworkResources.SECURITY_GROUP_RULE, group.tenant(), group.workspace(), name).isPresent();
                } catch (dev.sovra.controller.compute.ApiProblem unreadable) {
                    exists = false;
                }
                rules.add(exists ? ruleStatus("active", "Applied", at) : ruleStatus("pending", "RuleNotFound", at));
            }
        }
        return Map.of("rules", rules);
    }

    private static Map<String, Object> ruleStatus(String state, String reason, String at) {
        Map<String, Object> condition = new LinkedHashMap<>();
        condition.put("state", state);
        condition.put("lastTransitionAt", at);
        condition.put("type", "rules");
        condition.put("reason", reason);
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("state", state);
        status.put("conditions", List.of(condition));
        return status;
    }
}
