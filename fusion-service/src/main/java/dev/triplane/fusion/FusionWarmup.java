package dev.triplane.fusion;

import dev.triplane.core.events.AxisResult;
import dev.triplane.core.geometry.Axis;
import dev.triplane.core.propagation.LogitVolume;
import dev.triplane.core.propagation.LogitVolumeCodec;
import dev.triplane.core.synthetic.SyntheticScan;
import dev.triplane.infra.ObjectKeys;
import dev.triplane.infra.service.Warmup;
import dev.triplane.infra.storage.NoSuchObjectException;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** Fuses the synthetic scan's three axes with {@link RequestFusion}, its objects held in memory. */
@Component
final class FusionWarmup implements Warmup {

    private static final String REQUEST_ID = "r-warmup";
    private static final String NAME = "warm-up";

    private final RequestFusion fusion;
    private final ObjectKeys keys;

    FusionWarmup(RequestFusion fusion, ObjectKeys keys) {
        this.fusion = fusion;
        this.keys = keys;
    }

    @Override
    public void run(SyntheticScan scan) {
        fuse(scan).close();
    }

    RequestFusion.Fused fuse(SyntheticScan scan) {
        byte[] image = scan.imageNifti();
        String volumeId = ObjectKeys.volumeId(image);
        String imageKey = keys.image(volumeId);
        Map<String, byte[]> objects = new HashMap<>();
        objects.put(imageKey, image);
        List<Integer> structures = Arrays.stream(SyntheticScan.STRUCTURES).boxed().toList();
        List<AxisResult> results = new ArrayList<>();
        for (Axis axis : Axis.values()) {
            LogitVolume logits = scan.logits(axis);
            String key = keys.logits(volumeId, REQUEST_ID, axis);
            objects.put(key, LogitVolumeCodec.toBytes(logits, LogitVolumeCodec.Encoding.FLOAT16));
            results.add(new AxisResult(AxisResult.CURRENT_VERSION, volumeId, REQUEST_ID, axis,
                    List.of(Axis.values()), key, imageKey, null, structures, logits.frames().frameCount(),
                    new AxisResult.Timings(0, 0, 0, 0), NAME, NAME));
        }
        // absent like any store's object: the synthetic scan has no DICOM source
        return fusion.fuse(results, key -> {
            byte[] object = objects.get(key);
            if (object == null) {
                throw new NoSuchObjectException(keys.bucket(), key, null);
            }
            return new ByteArrayInputStream(object);
        });
    }

}
