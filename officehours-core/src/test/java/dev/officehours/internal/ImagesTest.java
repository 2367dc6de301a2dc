package dev.officehours.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImagesTest {

  private static byte[] encode(String format, int width, int height, int type) throws IOException {
    BufferedImage image = new BufferedImage(width, height, type);
    for (int x = 0; x < width; x += 3) {
      image.setRGB(x, x * height / width, 0xFF336699);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertTrue(ImageIO.write(image, format, out), "no writer for " + format);
    return out.toByteArray();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"jpeg, image/jpeg", "png, image/png", "gif, image/gif", "bmp, image/bmp"})
  void sniffsWhatImageIoWrites(String format, String mime) throws IOException {
    int type = format.equals("bmp") || format.equals("jpeg")
        ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_INT_ARGB;
    assertEquals(Optional.of(mime), Images.sniffMimeType(encode(format, 20, 10, type)));
  }

  @Test
  void sniffsWebpAndRejectsTheRest() {
    assertEquals(Optional.of("image/webp"), Images.sniffMimeType(webp()));
    assertEquals(Optional.empty(), Images.sniffMimeType("hello".getBytes(StandardCharsets.UTF_8)));
    assertEquals(Optional.empty(), Images.sniffMimeType(new byte[0]));
    assertEquals(Optional.empty(), Images.sniffMimeType(new byte[] {(byte) 0xFF, (byte) 0xD8}));
    assertEquals(Optional.empty(), Images.sniffMimeType(null));
  }

  private static byte[] webp() {
    byte[] b = new byte[40];
    System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, b, 0, 4);
    System.arraycopy("WEBPVP8 ".getBytes(StandardCharsets.US_ASCII), 0, b, 8, 8);
    return b;
  }

  @Test
  void aLargeImageIsScaledToTheLongestSideAsJpeg() throws IOException {
    byte[] png = encode("png", 1500, 3000, BufferedImage.TYPE_INT_ARGB);
    Images.Prepared p = Images.prepareForUpload(png, 1024);

    assertEquals("image/jpeg", p.mimeType());
    assertEquals(512, p.width());
    assertEquals(1024, p.height());
    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(p.data()));
    assertEquals(512, decoded.getWidth());
    assertEquals(1024, decoded.getHeight());
    assertEquals(Optional.of("image/jpeg"), Images.sniffMimeType(p.data()));
  }

  @Test
  void aVeryLargePhotoIsDecodedSubsampledAndStillScaledExactly() throws IOException {
    byte[] jpeg = encode("jpeg", 5000, 2500, BufferedImage.TYPE_INT_RGB);
    Images.Prepared p = Images.prepareForUpload(jpeg, 1024);
    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(p.data()));
    assertEquals(1024, decoded.getWidth());
    assertEquals(512, decoded.getHeight());
    assertTrue(p.data().length < jpeg.length);
  }

  @Test
  void aSmallJpegIsKeptAsItIs() throws IOException {
    byte[] jpeg = encode("jpeg", 800, 600, BufferedImage.TYPE_INT_RGB);
    Images.Prepared p = Images.prepareForUpload(jpeg, 1024);
    assertArrayEquals(jpeg, p.data());
    assertEquals("image/jpeg", p.mimeType());
    assertEquals(800, p.width());
  }

  @Test
  void aSmallPngIsReencodedAsJpegAtTheSameSize() throws IOException {
    Images.Prepared p = Images.prepareForUpload(
        encode("png", 300, 200, BufferedImage.TYPE_INT_ARGB), 1024);
    assertEquals("image/jpeg", p.mimeType());
    assertEquals(300, p.width());
    assertEquals(200, p.height());
  }

  @Test
  void aKnownTypeThatCannotBeDecodedIsSentAsItIs() {
    byte[] webp = webp();
    Images.Prepared p = Images.prepareForUpload(webp, 1024);
    assertArrayEquals(webp, p.data());
    assertEquals("image/webp", p.mimeType());
  }

  @Test
  void bytesThatAreNoImageAreRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Images.prepareForUpload("%PDF-1.7".getBytes(StandardCharsets.US_ASCII), 1024));
    assertTrue(e.getMessage().contains("8 bytes"), e.getMessage());
  }
}
