package dev.triplane.core.geometry;

import dev.triplane.core.NamedOption;
import java.util.Locale;

/**
 * A viewing axis of a volume in RAS+ voxel order (docs/method.md §1): the axis a pseudo-video iterates.
 *
 * <p>Frames are 2D slices, row-major with width fastest. In-plane axes per view:
 * axial iterates k, width = i, height = j; coronal iterates j, width = i, height = k;
 * sagittal iterates i, width = j, height = k.
 */
public enum Axis implements NamedOption {
    AXIAL(2, 0, 1),
    CORONAL(1, 0, 2),
    SAGITTAL(0, 1, 2);

    private final int arrayAxis;
    private final int widthAxis;
    private final int heightAxis;

    Axis(int arrayAxis, int widthAxis, int heightAxis) {
        this.arrayAxis = arrayAxis;
        this.widthAxis = widthAxis;
        this.heightAxis = heightAxis;
    }

    /** The voxel array axis (0 = i, 1 = j, 2 = k) whose index is the frame number. */
    public int arrayAxis() {
        return arrayAxis;
    }

    /** The voxel array axis that runs along a frame's width (x, fastest). */
    public int widthAxis() {
        return widthAxis;
    }

    /** The voxel array axis that runs along a frame's height (y, rows). */
    public int heightAxis() {
        return heightAxis;
    }

    /** Case-insensitive name, e.g. {@code "axial"}. */
    public static Axis parse(String name) {
        return NamedOption.parse(Axis.class, name, "axis");
    }

    /** Lower-case name as used in configuration and object keys. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
