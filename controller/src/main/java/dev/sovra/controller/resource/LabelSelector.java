package dev.sovra.controller.resource;

import dev.sovra.controller.compute.ApiProblem;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The SECA {@code labels} query: comma-separated terms, all of which must hold. Terms are
 * {@code k=v}, {@code k!=v}, wildcards ({@code *} in key or value), and numeric {@code >, <, >=, <=}.
 * Keys compare case-insensitively (clients write {@code Tier=D2XS} for the system label {@code tier}).
 */
public final class LabelSelector {
    private static final Pattern TERM = Pattern.compile("^([^=!<>]+)(=|!=|>=|<=|>|<)(.*)$");
    private final List<Term> terms;

    private LabelSelector(List<Term> terms) {
        this.terms = terms;
    }

    private record Term(String key, String operator, String value) {}

    public static LabelSelector parse(String query) {
        List<Term> terms = new ArrayList<>();
        if (query != null && !query.isBlank()) {
            for (String part : query.split(",")) {
                var match = TERM.matcher(part.trim());
                if (!match.matches()) {
                    throw ApiProblem.badRequest("labels: cannot read selector term '" + part + "'");
                }
                terms.add(new Term(match.group(1).trim(), match.group(2), match.group(3).trim()));
            }
        }
        return new LabelSelector(List.copyOf(terms));
    }

    public boolean matches(Map<String, String> labels) {
        for (Term term : terms) {
            if (!holds(term, labels)) {
                return false;
            }
        }
        return true;
    }

    private static boolean holds(Term term, Map<String, String> labels) {
        if (term.operator().equals("!=")) {
            return labels.entrySet().stream().noneMatch(e -> keyMatches(term.key(), e.getKey()) && glob(term.value(), e.getValue()));
        }
        for (Map.Entry<String, String> label : labels.entrySet()) {
            if (keyMatches(term.key(), label.getKey()) && compare(term, label.getValue())) {
                return true;
            }
        }
        return false;
    }

    private static boolean compare(Term term, String value) {
        if (term.operator().equals("=")) {
            return glob(term.value(), value);
        }
        try {
            int order = new BigDecimal(value).compareTo(new BigDecimal(term.value()));
            return switch (term.operator()) {
                case ">" -> order > 0;
                case "<" -> order < 0;
                case ">=" -> order >= 0;
                default -> order <= 0;
            };
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private static boolean keyMatches(String pattern, String key) {
        return glob(pattern.toLowerCase(java.util.Locale.ROOT), key.toLowerCase(java.util.Locale.ROOT));
    }

    private static boolean glob(String pattern, String text) {
        if (!pattern.contains("*")) {
            return pattern.equals(text);
        }
        StringBuilder regex = new StringBuilder();
        String[] pieces = pattern.split("\\*", -1);
        for (int i = 0; i < pieces.length; i++) {
            if (i > 0) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(pieces[i]));
        }
        return text.matches(regex.toString());
    }
}
