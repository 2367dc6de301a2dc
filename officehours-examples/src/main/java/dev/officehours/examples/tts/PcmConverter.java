package dev.officehours.examples.tts;

/** Converts 16-bit PCM between sample rates and byte orders: FreeTTS's output to the pipeline's. */
final class PcmConverter {
  private PcmConverter() {}

  /**
   * Resamples mono 16-bit PCM by linear interpolation and writes it little-endian.
   *
   * @param src the source samples
   * @param srcRate their sample rate
   * @param bigEndian their byte order
   * @param bits their sample size; only 16 is supported
   * @param dstRate the wanted sample rate
   * @return signed 16-bit little-endian samples at {@code dstRate}
   */
  static byte[] toPcm16le(byte[] src, int srcRate, boolean bigEndian, int bits, int dstRate) {
    if (bits != 16) {
      throw new IllegalArgumentException("only 16-bit PCM is supported but got " + bits + "-bit");
    }
    int n = src.length / 2;
    if (n == 0) {
      return new byte[0];
    }
    short[] in = new short[n];
    for (int i = 0; i < n; i++) {
      int hi = bigEndian ? src[2 * i] : src[2 * i + 1];
      int lo = bigEndian ? src[2 * i + 1] : src[2 * i];
      in[i] = (short) ((hi << 8) | (lo & 0xff));
    }
    int m = (int) ((long) n * dstRate / srcRate);
    byte[] out = new byte[2 * m];
    double step = (double) srcRate / dstRate;
    for (int j = 0; j < m; j++) {
      double pos = j * step;
      int i = (int) pos;
      double frac = pos - i;
      int a = in[i];
      int b = i + 1 < n ? in[i + 1] : a;
      int s = (int) Math.round(a + (b - a) * frac);
      out[2 * j] = (byte) s;
      out[2 * j + 1] = (byte) (s >> 8);
    }
    return out;
  }
}
