package dev.officehours.internal;

/** Keeps the package present until its first real class lands. */
final class Placeholder {
  private Placeholder() {}
}
