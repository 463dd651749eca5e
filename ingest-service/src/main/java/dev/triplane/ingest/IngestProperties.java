package dev.triplane.ingest;

import dev.triplane.core.geometry.Axis;
import dev.triplane.core.prompts.PromptKind;
import dev.triplane.core.prompts.SliceSelector;
import dev.triplane.core.volume.MemoryModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * Configuration of the ingest-service under {@code triplane.ingest}; every default is declared here. The S3
 * server, volume limits and topic replicas are shared by every service ({@code TriplaneProperties} under
 * {@code triplane}); the bucket, the inbox prefix and the object keys come from infra's {@code layout.json}.
 *
 * @param inbox      the reconciliation scanner of the inbox prefix
 * @param request    the request emitted for a volume when the drop or upload names no other
 * @param memory     the heaps of the later services, against which a request's memory is estimated at the door
 * @param auth       who may call the HTTP API
 * @param uploads    size limits of what is uploaded or dropped
 */
@ConfigurationProperties("triplane.ingest")
public record IngestProperties(@DefaultValue Inbox inbox, @DefaultValue Request request,
        @DefaultValue Memory memory, @DefaultValue Auth auth, @DefaultValue Uploads uploads) {

    /**
     * Authentication of the HTTP API (everything but {@code /actuator/health}); there is no open mode.
     *
     * @param mode  {@code JWT}: OAuth2 bearer tokens checked against Spring's
     *              {@code spring.security.oauth2.resourceserver.jwt.*} ({@code issuer-uri}, {@code jwk-set-uri} or
     *              {@code public-key-location}); with none of them set every request is refused. {@code TOKEN}: one
     *              static bearer token, the local stack's
     * @param token the bearer token of mode {@code TOKEN}, at least 32 characters
     */
    public record Auth(@DefaultValue("JWT") Mode mode, String token) {

        /** Shortest static token accepted: 32 characters of a random token carry enough entropy to not be guessed. */
        static final int MIN_TOKEN_LENGTH = 32;

        /** How callers authenticate. */
        public enum Mode { JWT, TOKEN }

        public Auth {
            if (mode == Mode.TOKEN && (token == null || token.length() < MIN_TOKEN_LENGTH)) {
                throw new IllegalArgumentException("triplane.ingest.auth.mode=token needs triplane.ingest.auth.token"
                        + " of at least " + MIN_TOKEN_LENGTH + " characters");
            }
        }

        @Override
        public String toString() {
            return "Auth[mode=" + mode + "]"; // never the token
        }
    }

    /**
     * What ingest takes in: larger uploads are answered 413, a larger prompt file is rejected like an invalid one.
     *
     * @param maxFileSize       largest file of a {@code POST /volumes}
     * @param maxRequestSize    largest {@code POST /volumes} body, all files together
     * @param maxPromptFileSize largest prompt file, uploaded or dropped (a prompt file names a few boxes and points
     *                          per structure: kilobytes)
     */
    public record Uploads(@DefaultValue("2GB") DataSize maxFileSize, @DefaultValue("3GB") DataSize maxRequestSize,
            @DefaultValue("1MB") DataSize maxPromptFileSize) {
    }

    /**
     * The reconciliation scanner: lists the inbox prefix and ingests every scan it has not seen.
     *
     * @param enabled       whether the scanner runs
     * @param scanInterval  pause between the end of one listing pass and the start of the next
     * @param notifications whether MinIO bucket notifications on {@code triplane.inbox-events} trigger a pass
     * @param workDir       folder for the temporary copies of scans being ingested; empty for the system's
     */
    public record Inbox(@DefaultValue("true") boolean enabled, @DefaultValue("5s") Duration scanInterval,
            @DefaultValue("true") boolean notifications, Path workDir) {

        public Inbox {
            workDir = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"));
        }
    }

    /**
     * The default request: what is segmented and how.
     *
     * @param structures   {@code present} (every structure of the reference labels), a group of
     *                     {@code StructureGroups} ({@code bones}, {@code all}) or structure names/ids separated by
     *                     commas; with label-derived prompts, structures absent from the labels are dropped
     * @param axes         axes to propagate along, one job each
     * @param memoryPolicy propagation strategy ({@code MemoryPolicy.parse} syntax), the paper's best by default
     * @param model        SAM2 model (export folder name) the workers run
     * @param promptBudget prompted frames per structure and axis (B >= 2)
     * @param selector     how prompted frames are chosen
     * @param promptKinds  prompt types derived on each prompted frame
     * @param datasetTag   tag metrics are aggregated under
     */
    public record Request(@DefaultValue("present") String structures,
            @DefaultValue({"AXIAL", "CORONAL", "SAGITTAL"}) List<Axis> axes,
            @DefaultValue("is+sps") String memoryPolicy, @DefaultValue("sam2-micro") String model,
            @DefaultValue("2") int promptBudget, @DefaultValue("EXTENT_ENDS") SliceSelector selector,
            @DefaultValue("BOX") List<PromptKind> promptKinds, @DefaultValue("inbox") String datasetTag) {
    }

    /**
     * The heaps of the services a request goes through: a request whose {@link MemoryModel} estimate exceeds
     * {@code usableFraction} of a service's heap is rejected with {@code RESOURCE_LIMIT} before any job is sent.
     * The defaults are the services' default heaps ({@code -Xmx} of the local stack and the deployments).
     *
     * @param workerHeap       axis-worker's maximum heap
     * @param fusionHeap       fusion-service's maximum heap
     * @param metricsHeap      metrics-service's maximum heap
     * @param usableFraction   share of a heap one request may take; the rest is the service's own (Spring, Kafka
     *                         clients, caches, garbage not yet collected)
     * @param bankPerStructure SAM2 memory bank of one structure on the worker; empty for SAM2.1 at 1024 px
     *                         ({@link MemoryModel#SAM2_BANK_BYTES})
     */
    public record Memory(@DefaultValue("4GB") DataSize workerHeap, @DefaultValue("2GB") DataSize fusionHeap,
            @DefaultValue("1GB") DataSize metricsHeap, @DefaultValue("0.8") double usableFraction,
            DataSize bankPerStructure) {

        public Memory {
            if (!(usableFraction > 0 && usableFraction <= 1)) {
                throw new IllegalArgumentException("triplane.ingest.memory.usable-fraction must be in (0, 1]: "
                        + usableFraction);
            }
            bankPerStructure = bankPerStructure != null ? bankPerStructure
                    : DataSize.ofBytes(MemoryModel.SAM2_BANK_BYTES);
        }

        /** The memory model of the workers' SAM2 export. */
        public MemoryModel model() {
            return new MemoryModel(bankPerStructure.toBytes());
        }

        /** What each service may spend on one request. */
        public MemoryModel.Budgets budgets() {
            return new MemoryModel.Budgets(usable(workerHeap), usable(fusionHeap), usable(metricsHeap));
        }

        private long usable(DataSize heap) {
            return (long) (heap.toBytes() * usableFraction);
        }
    }
}
