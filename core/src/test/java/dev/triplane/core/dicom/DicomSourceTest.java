package dev.triplane.core.dicom;

import static org.assertj.core.api.Assertions.assertThat;

import dev.triplane.core.fixtures.Fixtures;
import dev.triplane.core.nifti.ReadLimits;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** The SEG reference of a fixture series: its images in slice order, its patient and study, through JSON and back. */
class DicomSourceTest {

    @Test
    void keepsSliceOrderAndThePatientAndStudyModules() {
        DicomSeries series = new DicomSeriesReader(ReadLimits.defaults())
                .read(Fixtures.of("dicom").file("series/reversed_slices"));
        DicomSource source = DicomSource.of(series);

        assertThat(source.instances()).hasSize(series.grid().nz());
        for (int k = 0; k < series.grid().nz(); k++) {
            assertThat(source.instances().get(k).sopInstanceUid())
                    .isEqualTo(series.slices().get(k).attributes().string(DicomTag.SOP_INSTANCE_UID));
        }
        assertThat(source.rows()).isEqualTo(series.grid().ny());
        assertThat(source.columns()).isEqualTo(series.grid().nx());
        assertThat(source.seriesInstanceUid()).isEqualTo(series.seriesInstanceUid());
        assertThat(source.patientStudy()).containsEntry("PATIENT_NAME", "Fixture^Dicom")
                .containsEntry("PATIENT_ID", "FIXTURE")
                .containsEntry("STUDY_INSTANCE_UID", series.studyInstanceUid());

        JsonMapper json = JsonMapper.builder().build();
        assertThat(json.readValue(json.writeValueAsString(source), DicomSource.class)).isEqualTo(source);
    }
}
