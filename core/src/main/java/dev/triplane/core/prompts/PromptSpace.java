package dev.triplane.core.prompts;

import dev.triplane.core.NamedOption;
import dev.triplane.core.geometry.RasVoxelMap;

/**
 * What the coordinates of a version 2 prompt file mean ({@code "space"}, docs/prompts.md): world millimetres
 * (RAS+ as NIfTI, or LPS as DICOM and 3D Slicer's files), voxel indices of the input file's own order (what
 * ITK-SNAP shows), or voxel indices of the RAS+ reorientation (the version 1 meaning). Indices are 0-based, voxel
 * centres at integers.
 */
public enum PromptSpace implements NamedOption {
    RAS("ras"),
    LPS("lps"),
    VOXEL("voxel"),
    RAS_VOXEL("ras-voxel");

    private final String id;

    PromptSpace(String id) {
        this.id = id;
    }

    @Override
    public String id() {
        return id;
    }

    /** Case-insensitive, so {@code "RAS"} and {@code "ras"} both name {@link #RAS}. */
    public static PromptSpace parse(String text) {
        return NamedOption.parse(PromptSpace.class, text, "space");
    }

    /** RAS+ voxel indices of the position {@code (a, b, c)} given in this space. */
    public double[] toRasVoxel(RasVoxelMap map, double a, double b, double c) {
        return switch (this) {
            case RAS -> map.fromRasWorld(a, b, c);
            case LPS -> map.fromLpsWorld(a, b, c);
            case VOXEL -> map.fromInputVoxel(a, b, c);
            case RAS_VOXEL -> new double[] {a, b, c};
        };
    }
}
