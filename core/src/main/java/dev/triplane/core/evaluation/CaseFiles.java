package dev.triplane.core.evaluation;

import dev.triplane.core.nifti.NiftiImage;
import dev.triplane.core.nifti.NiftiReader;
import dev.triplane.core.nifti.ReadLimits;
import java.nio.file.Files;
import java.nio.file.Path;

/** File checks and reads shared by the dataset layouts (the name rules also by layouts kept in object stores). */
public final class CaseFiles {

    private static final NiftiReader READER = new NiftiReader(ReadLimits.defaults());

    private CaseFiles() {
    }

    /** @throws IllegalArgumentException naming the case, the role and the path when the file is missing */
    static Path requireFile(Path path, String caseId, String role) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("case '" + caseId + "': " + role + " file " + path + " is missing");
        }
        return path;
    }

    static NiftiImage read(Path path) {
        return READER.read(path);
    }

    /** A NIfTI volume name: {@code .nii.gz} or {@code .nii}. */
    public static boolean isNifti(Path path) {
        String name = path.getFileName().toString();
        return name.endsWith(".nii.gz") || name.endsWith(".nii");
    }

    /** The name without {@code .nii.gz} or {@code .nii}. */
    public static String stem(Path path) {
        String name = path.getFileName().toString();
        return name.substring(0, name.length() - (name.endsWith(".gz") ? 7 : 4));
    }

    /** Sets every label that is not in {@code ids} to 0, in place. */
    static void keepOnly(int[] labels, int[] ids) {
        int max = 0;
        for (int id : ids) {
            max = Math.max(max, id);
        }
        boolean[] keep = new boolean[max + 1];
        for (int id : ids) {
            keep[id] = true;
        }
        for (int i = 0; i < labels.length; i++) {
            int v = labels[i];
            if (v > max || !keep[v]) {
                labels[i] = 0;
            }
        }
    }
}
