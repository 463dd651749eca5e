package dev.triplane.core.dicom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.triplane.core.events.Reason;
import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.nifti.ReadLimits;
import dev.triplane.core.volume.InvalidVolumeException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/** A study in one zip: one volume per CT series, a broken CT series refused alone, other modalities listed. */
class DicomStudyTest {

    private static final Fixtures DICOM = Fixtures.of("dicom");

    private final DicomSeriesReader reader = new DicomSeriesReader(ReadLimits.defaults());

    @Test
    void aZippedStudyGivesOneVolumePerCtSeries() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (String folder : List.of("series/axial_lps", "series/coronal", "bad/not_ct", "bad/missing_slice")) {
                zip.putNextEntry(new ZipEntry(folder + "/"));
                try (var files = Files.list(DICOM.file(folder))) {
                    for (Path f : files.sorted().toList()) {
                        zip.putNextEntry(new ZipEntry(folder + "/" + f.getFileName()));
                        zip.write(Files.readAllBytes(f));
                    }
                }
            }
            zip.putNextEntry(new ZipEntry("README.txt"));
            zip.write("exported by a viewer".getBytes(StandardCharsets.UTF_8));
            zip.putNextEntry(new ZipEntry("__MACOSX/series/._IM0000"));
            zip.write(new byte[200]);
        }

        DicomStudy study = reader.readStudyZip(new ByteArrayInputStream(bytes.toByteArray()), "inbox/study.zip");

        DicomSeries axial = reader.read(DICOM.file("series/axial_lps"));
        DicomSeries coronal = reader.read(DICOM.file("series/coronal"));
        assertThat(study.ct()).extracting(DicomSeries::seriesInstanceUid)
                .containsExactly(axial.seriesInstanceUid(), coronal.seriesInstanceUid());
        assertThat(study.ct().get(0).grid()).isEqualTo(axial.grid());
        assertThat(study.ct().get(1).toImageVolume().voxels()).containsExactly(coronal.toImageVolume().voxels());
        assertThat(study.others()).hasSize(1).containsValue("MR");
        assertThat(study.refused()).hasSize(1);
        assertThat(study.refused().values().iterator().next().reason()).isEqualTo(Reason.DICOM_MISSING_SLICE);
        assertThat(study.ignored()).containsExactly("inbox/study.zip!README.txt",
                "inbox/study.zip!__MACOSX/series/._IM0000");
    }

    @Test
    void namedObjectsAreReadAsAStudyEachStreamedOnce() throws IOException {
        List<String> names = new ArrayList<>();
        for (String folder : List.of("series/axial_lps", "bad/not_ct")) {
            try (var files = Files.list(DICOM.file(folder))) {
                files.sorted().forEach(f -> names.add(f.toString()));
            }
        }
        names.add("notes.txt");
        List<String> opened = new ArrayList<>();

        DicomStudy study = reader.readStudy(names, name -> {
            opened.add(name);
            return name.equals("notes.txt") ? new ByteArrayInputStream(new byte[300])
                    : Files.newInputStream(Path.of(name));
        }, "inbox/s/");

        assertThat(opened).isEqualTo(names);
        assertThat(study.ct()).singleElement().satisfies(s -> assertThat(s.toImageVolume().voxels())
                .containsExactly(reader.read(DICOM.file("series/axial_lps")).toImageVolume().voxels()));
        assertThat(study.others()).containsValue("MR");
        assertThat(study.ignored()).containsExactly("notes.txt");
    }

    @Test
    void zipEntryNamesThatClimbOutOrAreAbsoluteAreRefused() throws IOException {
        for (String name : List.of("../IM0000", "a/../../IM0000", "/etc/IM0000", "C:\\IM0000", "a\\..\\IM0000",
                "IM\n0000")) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
                zip.putNextEntry(new ZipEntry(name));
                zip.write(Files.readAllBytes(DICOM.file("series/axial_lps/IM0000")));
            }
            assertThatThrownBy(() -> reader.readStudyZip(new ByteArrayInputStream(bytes.toByteArray()), "x.zip"))
                    .as(name).isInstanceOfSatisfying(InvalidVolumeException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.BAD_OBJECT_KEY));
        }
        assertThat(DicomSeriesReader.unsafeEntryName("a/b..c/..IM0000")).isFalse();
    }

    @Test
    void aZipBombStopsAtTheInflateLimit() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            zip.putNextEntry(new ZipEntry("zeros"));
            zip.write(new byte[4 << 20]);
        }
        DicomSeriesReader small = new DicomSeriesReader(new ReadLimits(1 << 20, 1 << 20));
        assertThatThrownBy(() -> small.readStudyZip(new ByteArrayInputStream(bytes.toByteArray()), "bomb.zip"))
                .isInstanceOfSatisfying(InvalidVolumeException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.INFLATE_LIMIT));
    }
}
