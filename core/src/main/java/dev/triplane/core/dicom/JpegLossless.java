package dev.triplane.core.dicom;

import com.twelvemonkeys.imageio.plugins.jpeg.JPEGImageReaderSpi;
import dev.triplane.core.events.Reason;
import dev.triplane.core.volume.InvalidVolumeException;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes one JPEG Lossless (ITU T.81 process 14, SOF3) frame of a DICOM image with TwelveMonkeys ImageIO, the
 * maintained pure-Java decoder on Maven Central. Its reader is taken from the ImageIO registry by provider class,
 * so the JDK's JPEG reader, which has no lossless mode, is never used.
 */
final class JpegLossless {

    private JpegLossless() {
    }

    /**
     * The samples of a single-component frame of {@code rows x columns}, row by row, as unsigned values of the
     * frame's precision in 16-bit words.
     *
     * @throws InvalidVolumeException {@link Reason#BAD_HEADER} for a stream that does not decode or whose size or
     *     components differ from the DICOM attributes
     */
    static short[] decode(byte[] jpeg, int rows, int columns, String object) {
        ImageReader reader = reader();
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(jpeg))) {
            reader.setInput(in);
            Raster raster = reader.read(0).getRaster();
            if (raster.getWidth() != columns || raster.getHeight() != rows || raster.getNumBands() != 1) {
                throw new InvalidVolumeException(object, Reason.BAD_HEADER, "JPEG Lossless frame of "
                        + raster.getWidth() + "x" + raster.getHeight() + " pixels and " + raster.getNumBands()
                        + " components, the attributes say " + columns + "x" + rows + " and 1");
            }
            int[] samples = raster.getSamples(0, 0, columns, rows, 0, (int[]) null);
            short[] out = new short[samples.length];
            for (int i = 0; i < samples.length; i++) {
                out[i] = (short) samples[i];
            }
            return out;
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidVolumeException invalid) {
                throw invalid;
            }
            throw new InvalidVolumeException(object, Reason.BAD_HEADER, "JPEG Lossless frame does not decode: " + e, e);
        } finally {
            reader.dispose();
        }
    }

    private static ImageReader reader() {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName("jpeg-lossless");
        while (readers.hasNext()) {
            ImageReader candidate = readers.next();
            if (candidate.getOriginatingProvider() instanceof JPEGImageReaderSpi) {
                return candidate;
            }
            candidate.dispose();
        }
        throw new IllegalStateException("TwelveMonkeys' JPEG reader is not registered with ImageIO");
    }
}
