package dev.triplane.core.dicom;

/**
 * One DICOM Part 10 file as read: its transfer syntax, the listed attributes of its top-level data set and, when
 * pixels were read, one frame of stored values with {@code BitsStored} applied (sign-extended for signed pixels),
 * column fastest: {@code index = column + columns * row}.
 *
 * @param object the file or object key
 * @param syntax the transfer syntax of its data set
 * @param attributes the {@link DicomTag}s found
 * @param pixels stored values as 16-bit words (unsigned 16-bit values keep their bits: read them with
 *     {@link #unsignedPixels}), or null when only the header was read or the file has no pixel data
 * @param unsignedPixels whether 16-bit stored values are unsigned
 */
public record DicomInstance(String object, TransferSyntax syntax, DicomAttributes attributes, short[] pixels,
        boolean unsignedPixels) {}
