package dev.triplane.core.evaluation;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 lines: fields with a comma or quote are quoted, quotes doubled. Hand-written because the
 * store needs only one-line records and core keeps no CSV dependency.
 */
final class Csv {

    private Csv() {
    }

    /** One line, without the line break. */
    static String line(String... fields) {
        StringBuilder sb = new StringBuilder();
        for (int f = 0; f < fields.length; f++) {
            if (f > 0) {
                sb.append(',');
            }
            // line breaks become blanks so that every record stays one line, which resuming relies on
            String v = fields[f] == null ? "" : fields[f].replace('\n', ' ').replace('\r', ' ');
            if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0) {
                sb.append('"').append(v.replace("\"", "\"\"")).append('"');
            } else {
                sb.append(v);
            }
        }
        return sb.toString();
    }

    /** Splits one line written by {@link #line}. */
    static List<String> parse(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (ch == '"') {
                    quoted = false;
                } else {
                    field.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(ch);
            }
        }
        fields.add(field.toString());
        return fields;
    }

    /** A double that reads back exactly; NaN as {@code NaN}. */
    static String number(double v) {
        return Double.toString(v);
    }
}
