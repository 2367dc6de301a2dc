package dev.officehours.examples.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * Speech-like audio without a speech engine: each word becomes one to four "syllables" (a voiced
 * tone with vowel-like formants and a soft envelope), words are separated by short pauses and
 * sentences by longer ones. It is not intelligible, but its rhythm, level and spectrum are close
 * enough to speech for players, meters and load tests.
 *
 * <p>The syllables are computed once; a text's audio is a list of those shared arrays, so the simulated
 * server's own cost stays negligible next to what it simulates. Output: PCM 24 kHz, signed 16-bit
 * little-endian, mono.
 */
final class SyntheticVoice {
  static final int SAMPLE_RATE = 24_000;
  private static final int[][] VOWELS = { // F1, F2 in Hz: a, e, i, o, u, schwa, ae, er
      {730, 1090}, {530, 1840}, {270, 2290}, {570, 840}, {300, 870}, {500, 1500}, {660, 1720}, {490, 1350}};
  private static final byte[][] SYLLABLES = new byte[VOWELS.length][];
  private static final byte[] WORD_GAP = silence(70);
  private static final byte[] SENTENCE_GAP = silence(260);
  private static final byte[] COMMA_GAP = silence(140);

  static {
    for (int v = 0; v < VOWELS.length; v++) {
      SYLLABLES[v] = syllable(VOWELS[v][0], VOWELS[v][1], 110 + 6 * v, 130 + 10 * (v % 4));
    }
  }

  private SyntheticVoice() {}

  /**
   * The PCM audio for {@code text} as a list of shared, precomputed pieces (syllables and
   * pauses): streaming them costs no allocation or copy per request. Do not modify the arrays.
   */
  static List<byte[]> segments(String text) {
    List<byte[]> out = new ArrayList<>();
    String[] words = text.trim().split("\\s+");
    for (String word : words) {
      int letters = 0;
      int hash = 17;
      for (int i = 0; i < word.length(); i++) {
        char c = word.charAt(i);
        if (Character.isLetterOrDigit(c)) {
          letters++;
          hash = 31 * hash + Character.toLowerCase(c);
        }
      }
      if (letters > 0) {
        int syllables = Math.min(4, Math.max(1, (letters + 2) / 3));
        for (int s = 0; s < syllables; s++) {
          out.add(SYLLABLES[Math.floorMod(hash + 7 * s, SYLLABLES.length)]);
        }
      }
      char last = word.isEmpty() ? ' ' : word.charAt(word.length() - 1);
      if (last == '.' || last == '!' || last == '?') {
        out.add(SENTENCE_GAP);
      } else if (last == ',' || last == ';' || last == ':') {
        out.add(COMMA_GAP);
      } else {
        out.add(WORD_GAP);
      }
    }
    return out;
  }

  /** A voiced syllable: harmonics of {@code f0} shaped by two formants, with attack and release. */
  private static byte[] syllable(int f1, int f2, int f0, int millis) {
    int n = SAMPLE_RATE * millis / 1000;
    int attack = SAMPLE_RATE * 15 / 1000;
    int release = SAMPLE_RATE * 35 / 1000;
    int harmonics = 3_400 / f0;
    double[] gain = new double[harmonics + 1];
    for (int h = 1; h <= harmonics; h++) {
      double f = h * f0;
      gain[h] = resonance(f, f1, 90) + 0.6 * resonance(f, f2, 120) + 0.05;
    }
    double[] samples = new double[n];
    double peak = 0;
    for (int i = 0; i < n; i++) {
      double t = (double) i / SAMPLE_RATE;
      double glide = 1 + 0.04 * Math.sin(Math.PI * i / n); // a little intonation
      double x = 0;
      for (int h = 1; h <= harmonics; h++) {
        x += gain[h] * Math.sin(2 * Math.PI * h * f0 * glide * t) / h;
      }
      double env = i < attack ? (double) i / attack : i > n - release ? (double) (n - i) / release : 1;
      samples[i] = x * env;
      peak = Math.max(peak, Math.abs(samples[i]));
    }
    byte[] pcm = new byte[2 * n];
    double scale = 0.35 * Short.MAX_VALUE / peak;
    for (int i = 0; i < n; i++) {
      int s = (int) Math.round(samples[i] * scale);
      pcm[2 * i] = (byte) s;
      pcm[2 * i + 1] = (byte) (s >> 8);
    }
    return pcm;
  }

  private static double resonance(double f, double centre, double bandwidth) {
    double d = (f - centre) / bandwidth;
    return 1 / (1 + d * d);
  }

  private static byte[] silence(int millis) {
    return new byte[2 * (SAMPLE_RATE * millis / 1000)];
  }
}
