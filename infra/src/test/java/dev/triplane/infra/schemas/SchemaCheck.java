package dev.triplane.infra.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * Checks a JSON document against the subset of JSON Schema 2020-12 that the event schemas use ({@code type},
 * {@code enum}, {@code properties}, {@code required}, {@code additionalProperties: false}, {@code items},
 * {@code min/maxItems}, {@code minimum}, {@code exclusiveMinimum}, {@code minLength}, {@code pattern},
 * {@code anyOf}, local {@code $ref}). Hand-written to keep a schema library (and Jackson 2) out of the build;
 * any other keyword fails the check, so a schema cannot silently use one this class ignores.
 */
final class SchemaCheck {

    private static final Set<String> KNOWN = Set.of("$schema", "$id", "$defs", "title", "description", "type",
            "enum", "properties", "required", "additionalProperties", "items", "minItems", "maxItems", "minimum",
            "exclusiveMinimum", "minLength", "pattern", "anyOf", "$ref");

    private final JsonNode root;
    private final List<String> problems = new ArrayList<>();

    private SchemaCheck(JsonNode root) {
        this.root = root;
    }

    /** Every violation of {@code schema} by {@code doc}, as "path: problem"; empty when it conforms. */
    static List<String> violations(JsonNode schema, JsonNode doc) {
        SchemaCheck check = new SchemaCheck(schema);
        check.check(schema, doc, "$");
        return check.problems;
    }

    private void check(JsonNode schema, JsonNode doc, String path) {
        for (String keyword : schema.propertyNames()) {
            if (!KNOWN.contains(keyword)) {
                throw new IllegalArgumentException("schema keyword '" + keyword + "' at " + path + " is not checked");
            }
        }
        if (schema.has("$ref")) {
            String ref = schema.get("$ref").asString();
            if (!ref.startsWith("#/$defs/")) {
                throw new IllegalArgumentException("only local $defs references are checked: " + ref);
            }
            JsonNode target = root.path("$defs").path(ref.substring("#/$defs/".length()));
            if (target.isMissingNode()) {
                throw new IllegalArgumentException("dangling $ref " + ref);
            }
            check(target, doc, path);
        }
        if (schema.has("anyOf")) {
            boolean any = false;
            for (JsonNode option : schema.get("anyOf")) {
                any |= violations(root, option, doc, path).isEmpty();
            }
            if (!any) {
                problems.add(path + ": matches no anyOf option: " + doc);
            }
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode value : schema.get("enum")) {
                found |= value.equals(doc);
            }
            if (!found) {
                problems.add(path + ": " + doc + " not in " + schema.get("enum"));
            }
        }
        if (schema.has("type") && !typeMatches(schema.get("type"), doc)) {
            problems.add(path + ": " + doc.getNodeType() + " is not " + schema.get("type"));
            return;
        }
        if (doc.isObject()) {
            checkObject(schema, doc, path);
        } else if (doc.isArray()) {
            checkArray(schema, doc, path);
        } else if (doc.isNumber()) {
            if (schema.has("minimum") && doc.asDouble() < schema.get("minimum").asDouble()) {
                problems.add(path + ": " + doc + " < minimum " + schema.get("minimum"));
            }
            if (schema.has("exclusiveMinimum") && doc.asDouble() <= schema.get("exclusiveMinimum").asDouble()) {
                problems.add(path + ": " + doc + " <= exclusiveMinimum " + schema.get("exclusiveMinimum"));
            }
        } else if (doc.isString()) {
            if (schema.has("minLength") && doc.asString().length() < schema.get("minLength").asInt()) {
                problems.add(path + ": shorter than " + schema.get("minLength"));
            }
            if (schema.has("pattern") && !Pattern.compile(schema.get("pattern").asString()).matcher(doc.asString()).find()) {
                problems.add(path + ": '" + doc.asString() + "' does not match " + schema.get("pattern"));
            }
        }
    }

    private void checkObject(JsonNode schema, JsonNode doc, String path) {
        JsonNode properties = schema.path("properties");
        for (JsonNode required : schema.path("required")) {
            if (!doc.has(required.asString())) {
                problems.add(path + ": missing required '" + required.asString() + "'");
            }
        }
        for (String name : doc.propertyNames()) {
            if (properties.has(name)) {
                check(properties.get(name), doc.get(name), path + "." + name);
            } else if (schema.path("additionalProperties").isBoolean() && !schema.get("additionalProperties").asBoolean()) {
                problems.add(path + ": property '" + name + "' is not in the schema");
            }
        }
    }

    private void checkArray(JsonNode schema, JsonNode doc, String path) {
        if (schema.has("minItems") && doc.size() < schema.get("minItems").asInt()) {
            problems.add(path + ": fewer than " + schema.get("minItems") + " items");
        }
        if (schema.has("maxItems") && doc.size() > schema.get("maxItems").asInt()) {
            problems.add(path + ": more than " + schema.get("maxItems") + " items");
        }
        if (schema.has("items")) {
            for (int i = 0; i < doc.size(); i++) {
                check(schema.get("items"), doc.get(i), path + "[" + i + "]");
            }
        }
    }

    private static List<String> violations(JsonNode root, JsonNode schema, JsonNode doc, String path) {
        SchemaCheck check = new SchemaCheck(root);
        check.check(schema, doc, path);
        return check.problems;
    }

    private static boolean typeMatches(JsonNode type, JsonNode doc) {
        if (type.isArray()) {
            for (JsonNode t : type) {
                if (typeMatches(t, doc)) {
                    return true;
                }
            }
            return false;
        }
        return switch (type.asString()) {
            case "object" -> doc.isObject();
            case "array" -> doc.isArray();
            case "string" -> doc.isString();
            case "integer" -> doc.isIntegralNumber();
            case "number" -> doc.isNumber();
            case "boolean" -> doc.isBoolean();
            case "null" -> doc.isNull();
            default -> throw new IllegalArgumentException("unknown schema type " + type);
        };
    }
}
