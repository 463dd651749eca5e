package dev.triplane.core.evaluation;

import java.util.List;
import java.util.Locale;

/**
 * Draws box plots ({@link BoxStats}, one box per label) as an SVG element to inline in an HTML page, so the report needs
 * no plotting library, script or external file. The value axis runs from the lowest to the highest drawn value
 * (whiskers and outliers), padded by 5 %.
 */
public final class BoxPlotSvg {

    static final int BOX_SPACING = 90;
    static final int LEFT = 70;
    static final int TOP = 40;
    static final int PLOT_HEIGHT = 220;
    private static final int TICKS = 5;

    private BoxPlotSvg() {
    }

    /**
     * @param title caption above the plot
     * @param unit value axis label, e.g. {@code Dice} or {@code HD95 mm}
     * @param labels one per box (preset names)
     * @param boxes the boxes, same order and size as {@code labels}
     */
    public static String render(String title, String unit, List<String> labels, List<BoxStats> boxes) {
        if (labels.size() != boxes.size() || boxes.isEmpty()) {
            throw new IllegalArgumentException("need one label per box and at least one box: " + labels.size()
                    + " labels, " + boxes.size() + " boxes");
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (BoxStats b : boxes) {
            double[] out = b.outliers();
            min = Math.min(min, out.length > 0 ? Math.min(out[0], b.lowWhisker()) : b.lowWhisker());
            max = Math.max(max, out.length > 0 ? Math.max(out[out.length - 1], b.highWhisker()) : b.highWhisker());
        }
        double pad = max > min ? 0.05 * (max - min) : Math.max(0.5, Math.abs(max) * 0.05);
        Scale y = new Scale(min - pad, max + pad);
        int width = LEFT + BOX_SPACING * boxes.size() + 20;
        int height = TOP + PLOT_HEIGHT + 50;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"11\">%n", width, height, width, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"13\">%s</text>%n", LEFT,
                escape(title)));
        svg.append(String.format(Locale.ROOT, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" "
                + "text-anchor=\"middle\">%s</text>%n", TOP + PLOT_HEIGHT / 2, TOP + PLOT_HEIGHT / 2, escape(unit)));
        svg.append(line(LEFT, TOP, LEFT, TOP + PLOT_HEIGHT, "#000"));
        for (int t = 0; t <= TICKS; t++) {
            double v = y.low + (y.high - y.low) * t / TICKS;
            double py = y.pixel(v);
            svg.append(line(LEFT - 4, py, LEFT, py, "#000"));
            svg.append(line(LEFT, py, width - 10, py, "#e4e4e4"));
            svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.3g</text>%n",
                    LEFT - 6, py + 4, v));
        }
        for (int b = 0; b < boxes.size(); b++) {
            box(svg, LEFT + BOX_SPACING * b + BOX_SPACING / 2.0, boxes.get(b), y);
            // the count on a line of its own: one line of label and count overlaps the next box's at this spacing
            double x = LEFT + BOX_SPACING * b + BOX_SPACING / 2.0;
            svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s"
                    + "<tspan x=\"%.1f\" dy=\"13\">(n=%d)</tspan></text>%n", x, TOP + PLOT_HEIGHT + 18,
                    escape(labels.get(b)), x, boxes.get(b).count()));
        }
        return svg.append("</svg>\n").toString();
    }

    private static void box(StringBuilder svg, double cx, BoxStats b, Scale y) {
        double half = BOX_SPACING * 0.3;
        svg.append(line(cx, y.pixel(b.lowWhisker()), cx, y.pixel(b.q1()), "#333"));
        svg.append(line(cx, y.pixel(b.q3()), cx, y.pixel(b.highWhisker()), "#333"));
        svg.append(line(cx - half / 2, y.pixel(b.lowWhisker()), cx + half / 2, y.pixel(b.lowWhisker()), "#333"));
        svg.append(line(cx - half / 2, y.pixel(b.highWhisker()), cx + half / 2, y.pixel(b.highWhisker()), "#333"));
        svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                + "fill=\"#9ecae1\" stroke=\"#333\"/>%n", cx - half, y.pixel(b.q3()), 2 * half,
                Math.max(0.5, y.pixel(b.q1()) - y.pixel(b.q3()))));
        svg.append(line(cx - half, y.pixel(b.median()), cx + half, y.pixel(b.median()), "#d62728"));
        for (double o : b.outliers()) {
            svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"none\" "
                    + "stroke=\"#333\"/>%n", cx, y.pixel(o)));
        }
    }

    private static String line(double x1, double y1, double x2, double y2, String colour) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>%n",
                x1, y1, x2, y2, colour);
    }

    /** Escapes text for XML and HTML content and attributes. */
    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** Value to pixel row, high values up. */
    private record Scale(double low, double high) {
        double pixel(double v) {
            return TOP + PLOT_HEIGHT * (high - v) / (high - low);
        }
    }
}
