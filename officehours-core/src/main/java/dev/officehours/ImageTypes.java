package dev.officehours;

import java.util.Optional;

/** Recognises an image by its magic bytes, without decoding it. */
final class ImageTypes {
  private ImageTypes() {}

  static Optional<String> sniff(byte[] b) {
    if (starts(b, 0xFF, 0xD8, 0xFF)) {
      return Optional.of("image/jpeg");
    }
    if (starts(b, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return Optional.of("image/png");
    }
    if (starts(b, 'G', 'I', 'F', '8')) {
      return Optional.of("image/gif");
    }
    if (b.length >= 12 && starts(b, 'R', 'I', 'F', 'F') && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') {
      return Optional.of("image/webp");
    }
    if (b.length >= 26 && starts(b, 'B', 'M')) {
      return Optional.of("image/bmp");
    }
    return Optional.empty();
  }

  private static boolean starts(byte[] b, int... magic) {
    if (b.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if ((b[i] & 0xFF) != magic[i]) {
        return false;
      }
    }
    return true;
  }
}
