package dev.officehours.examples.docs;

import dev.officehours.examples.docs.MarkdownFile.CodeBlock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Finds Java in a code block that is not marked {@code java}, so no snippet escapes the compiler
 * by its fence. Java syntax counts in any block (an import, a type declaration, {@code @Override},
 * a typed variable declaration, {@code new Type(}, {@code .builder(}, a call statement ending in
 * {@code ;}); a use of one of the SDK's own types ({@code ConversationPipeline.builder(}, {@code
 * TurnRequest request =}) counts in any block but one marked {@code text}, which is how a diagram
 * that names the types says it is not code.
 */
final class LooksLikeJava {
  private static final List<Pattern> SYNTAX = List.of(
      Pattern.compile("^\\s*import\\s+(static\\s+)?[\\w.]+(\\.\\*)?\\s*;"),
      Pattern.compile("^\\s*((public|final|abstract|static)\\s+)*(class|interface|enum|record)\\s+[A-Z]\\w*[^;]*\\{"),
      Pattern.compile("@Override\\b"),
      Pattern.compile("^\\s*(final\\s+|var\\s+)?([A-Z][\\w.]*(<.*>)?(\\[\\])?\\s+)?[a-z]\\w*\\s*=[^=].*;\\s*(//.*)?$"),
      Pattern.compile("\\bnew\\s+[A-Z][\\w.]*\\s*[(<]"),
      Pattern.compile("\\.builder\\s*\\("),
      Pattern.compile("^\\s*[\\w.]+\\s*\\(.*\\)\\s*;\\s*(//.*)?$"));

  private final Set<String> sdkTypes;

  /** @param sdkTypes simple names of the SDK's public types */
  LooksLikeJava(Set<String> sdkTypes) {
    this.sdkTypes = Set.copyOf(sdkTypes);
  }

  /** The first line of {@code block} that looks like Java, if any. */
  Optional<String> evidence(CodeBlock block) {
    String types = String.join("|", sdkTypes);
    Pattern sdkUse = sdkTypes.isEmpty() ? null
        : Pattern.compile("\\b(" + types + ")(\\s*\\.\\s*[a-z]\\w*\\s*\\(|(<.*>)?\\s+[a-z]\\w*\\s*[=;])");
    for (String line : block.body().split("\n")) {
      for (Pattern p : SYNTAX) {
        if (p.matcher(line).find()) {
          return Optional.of(line.strip());
        }
      }
      if (sdkUse != null && !block.language().equals("text") && sdkUse.matcher(line).find()) {
        return Optional.of(line.strip());
      }
    }
    return Optional.empty();
  }
}
