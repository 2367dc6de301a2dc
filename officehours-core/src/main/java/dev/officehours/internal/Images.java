package dev.officehours.internal;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Optional;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;

/**
 * Image helpers for vision turns: recognise an image by its magic bytes and shrink it before
 * upload. A phone photo is 3-12 MB; the model looks at 512-768 px tiles anyway, so sending more
 * than 1024 px on the longest side only costs upload time and first-token latency.
 */
public final class Images {
  /** The longest side, in pixels, of an image sent to a model. */
  public static final int MAX_SIDE = 1024;

  private static final float JPEG_QUALITY = 0.85f;

  private Images() {}

  /**
   * An image ready to upload.
   *
   * @param data the encoded bytes
   * @param mimeType their MIME type
   * @param width the width in pixels, 0 when the image could not be decoded
   * @param height the height in pixels, 0 when the image could not be decoded
   */
  public record Prepared(byte[] data, String mimeType, int width, int height) {}

  /**
   * The MIME type of an image recognised by its first bytes: {@code image/jpeg}, {@code
   * image/png}, {@code image/gif}, {@code image/webp} or {@code image/bmp}.
   *
   * @param data the encoded image
   * @return the type, or empty when the bytes are none of these
   */
  public static Optional<String> sniffMimeType(byte[] data) {
    if (data == null) {
      return Optional.empty();
    }
    if (startsWith(data, 0xFF, 0xD8, 0xFF)) {
      return Optional.of("image/jpeg");
    }
    if (startsWith(data, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return Optional.of("image/png");
    }
    if (startsWith(data, 'G', 'I', 'F', '8') && data.length >= 6
        && (data[4] == '7' || data[4] == '9') && data[5] == 'a') {
      return Optional.of("image/gif");
    }
    if (data.length >= 12 && startsWith(data, 'R', 'I', 'F', 'F')
        && data[8] == 'W' && data[9] == 'E' && data[10] == 'B' && data[11] == 'P') {
      return Optional.of("image/webp");
    }
    if (startsWith(data, 'B', 'M') && data.length >= 26) {
      return Optional.of("image/bmp");
    }
    return Optional.empty();
  }

  /**
   * Prepares an image for upload: an image whose longest side is over {@code maxSide} is scaled
   * down to it, and every image but a JPEG that is already small enough is re-encoded as JPEG
   * (transparency is flattened onto white). An image of a known type that this JVM cannot decode
   * (WebP, for one) is returned as it is.
   *
   * @param data the encoded image
   * @param maxSide the longest side allowed, in pixels
   * @return the bytes to send and their type
   * @throws IllegalArgumentException when the bytes are not a JPEG, PNG, GIF, WebP or BMP image
   */
  public static Prepared prepareForUpload(byte[] data, int maxSide) {
    if (maxSide < 16) {
      throw new IllegalArgumentException("maxSide must be at least 16 but was " + maxSide);
    }
    String mimeType = sniffMimeType(data).orElseThrow(() -> new IllegalArgumentException(
        "not a JPEG, PNG, GIF, WebP or BMP image (" + (data == null ? 0 : data.length)
            + " bytes)"));
    Decoded decoded = decode(data, maxSide);
    if (decoded == null) {
      return new Prepared(data, mimeType, 0, 0);
    }
    BufferedImage image = decoded.image;
    int width = decoded.width;
    int height = decoded.height;
    int longest = Math.max(width, height);
    if (longest <= maxSide && mimeType.equals("image/jpeg")) {
      return new Prepared(data, mimeType, width, height);
    }
    double scale = longest > maxSide ? (double) maxSide / longest : 1.0;
    int w = Math.max(1, (int) Math.round(width * scale));
    int h = Math.max(1, (int) Math.round(height * scale));
    // The decoded image may already be subsampled; drawImage scales whatever it holds to w x h.
    BufferedImage rgb = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = rgb.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION,
          RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, w, h);
      g.drawImage(image, 0, 0, w, h, null);
    } finally {
      g.dispose();
    }
    try {
      return new Prepared(encodeJpeg(rgb), "image/jpeg", w, h);
    } catch (IOException e) {
      return new Prepared(data, mimeType, width, height);
    }
  }

  private static final class Decoded {
    final BufferedImage image;
    final int width;
    final int height;

    Decoded(BufferedImage image, int width, int height) {
      this.image = image;
      this.width = width;
      this.height = height;
    }
  }

  /**
   * Decodes the image, reading a big one with source subsampling (every n-th pixel) so a 12 MP
   * photo costs a fraction of the memory and time of a full decode. Returns the full-size
   * dimensions beside the (possibly smaller) pixels; {@code null} when this JVM cannot decode it.
   */
  private static Decoded decode(byte[] data, int maxSide) {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
      if (in == null) {
        return null;
      }
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        return null;
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        ImageReadParam param = reader.getDefaultReadParam();
        // Skip pixels while decoding but keep at least the target resolution; the bilinear
        // scaling after it brings the image to the exact size.
        int factor = Math.max(1, Math.max(width, height) / maxSide);
        if (factor > 1) {
          param.setSourceSubsampling(factor, factor, 0, 0);
        }
        BufferedImage image = reader.read(0, param);
        return image == null ? null : new Decoded(image, width, height);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static byte[] encodeJpeg(BufferedImage image) throws IOException {
    Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
    if (!writers.hasNext()) {
      throw new IOException("no JPEG writer");
    }
    ImageWriter writer = writers.next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
      writer.setOutput(ios);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(JPEG_QUALITY);
      writer.write(null, new IIOImage(image, null, null), param);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  private static boolean startsWith(byte[] data, int... prefix) {
    if (data.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if ((data[i] & 0xFF) != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
