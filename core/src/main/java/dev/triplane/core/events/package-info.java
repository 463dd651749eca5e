/**
 * The event records of the pipeline's Kafka topics (docs/method.md §4), one record per topic value, all keyed by
 * {@code volumeId}: {@link VolumeAccepted} ({@code triplane.volumes}), {@link AxisJob}
 * ({@code triplane.axis-jobs}), {@link AxisResult} ({@code triplane.axis-results}), {@link FusionJob}
 * ({@code triplane.fusion-jobs}), {@link SegmentationReady}
 * ({@code triplane.segmentations}), {@link MetricsReady} ({@code triplane.metrics}), {@link VolumeStatus}
 * ({@code triplane.status}) and {@link ErrorEvent} ({@code triplane.errors}); besides them the stored
 * {@link CascadePlan} of a cascading request, and the {@link CascadeStage} its jobs, results and fusion jobs carry.
 *
 * <p>Values are JSON written by Jackson from the record components: enums by constant name ({@code "AXIAL"}),
 * absent optional values as {@code null}, non-finite metrics as the strings {@code "NaN"}/{@code "Infinity"}.
 * Every record carries {@code version} (its {@code CURRENT_VERSION} when written) and ignores unknown fields,
 * so a newer producer may add fields without breaking older consumers. The JSON Schemas live in
 * {@code infra/src/main/resources/triplane/schemas/}. Constructors refuse missing required values, so a
 * malformed record fails in deserialisation (a poison record, not retried).
 */
package dev.triplane.core.events;
