package dev.triplane.cli;

import dev.triplane.core.events.VolumeStatus;
import dev.triplane.core.geometry.Axis;
import java.io.PrintWriter;
import java.util.Collection;
import java.util.Locale;

/** Volume statuses as text: the table of {@code triplane status} and the progress lines of submit and demo. */
final class StatusTable {

    private static final String ROW = "%-12s  %-19s  %-10s  %-12s  %-11s  %-11s  %-11s  %s";

    private StatusTable() {
    }

    static void print(PrintWriter out, Collection<VolumeStatus> statuses) {
        out.println(String.format(Locale.ROOT, ROW, "volume", "request", "state", "stage", "axial", "coronal",
                "sagittal", "detail"));
        for (VolumeStatus s : statuses) {
            out.println(String.format(Locale.ROOT, ROW, s.volumeId().substring(0, Math.min(12, s.volumeId().length())),
                    s.requestId() == null ? "-" : s.requestId(), s.state(), s.stage(), frames(s, Axis.AXIAL),
                    frames(s, Axis.CORONAL), frames(s, Axis.SAGITTAL), s.detail() == null ? "" : s.detail()));
        }
    }

    /** One line: state, stage and frames per axis, e.g. {@code SEGMENTING (AXIS) axial 12/40 coronal 0/52 ...}. */
    static String progress(VolumeStatus s) {
        StringBuilder line = new StringBuilder(
                String.format(Locale.ROOT, "%-10s %-12s", s.state(), "(" + s.stage() + ")"));
        for (Axis axis : Axis.values()) {
            line.append(' ').append(axis.name().toLowerCase(Locale.ROOT)).append(' ').append(frames(s, axis));
        }
        if (s.detail() != null) {
            line.append("  ").append(s.detail());
        }
        return line.toString();
    }

    /** {@code done/total} frames along an axis, {@code -} when no stage reported it. */
    private static String frames(VolumeStatus s, Axis axis) {
        for (VolumeStatus.AxisProgress p : s.axes()) {
            if (p.axis() == axis) {
                return p.framesTotal() == 0 ? p.framesDone() + "/?" : p.framesDone() + "/" + p.framesTotal();
            }
        }
        return "-";
    }
}
