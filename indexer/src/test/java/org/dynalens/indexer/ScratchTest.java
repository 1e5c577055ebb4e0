package org.dynalens.indexer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;
import java.time.Instant;
import java.util.*;
import org.dynalens.archive.*;
class ScratchTest {
  @TempDir Path tmp;
  @Test void show() {
    try (RunIndex idx = RunIndex.open(tmp)) {
      idx.indexRun(new RunInfo("r1", "mod-add", 1, Instant.EPOCH, Map.of("lr", 1e-3, "model", Map.of("d_model", 128)), Map.of("status","ok"), Map.of()), List.of(new CheckpointDoc(5, Map.of("test_loss", Double.NaN), Map.of())));
      String[] odd = {"*", "?", ":", "a:", "[", "{}", "~", "^2", "\"", "\\", "a:b^x", "/[/", "lr:[1 TO abc]", "lr:1e",
                "lr:1e*", "task:/mod-.*/", "lr:[1e-3 TO 1e-4]", "((((", "NOT", "a:b~2", "seed:1.5", "seed:x", "**:*",
                "lr:NaN", "lr:-Infinity", "p:[113 TO 113]^2", "text:\"clean grokking\"~2", "*:* AND NOT *:*", "mod-add", "model.d_model:128", "test_loss:NaN", "lr:>1e-4", "seed:[0 TO 1.5]", "task:mod-add OR", "lr:[1e-4 TO 1e-2"};
      for (String q : odd) {
        try { SearchResult r = idx.search(q, null, 0, 10); System.out.println("OK  " + q + " -> " + r.total()); }
        catch (QueryException e) { System.out.println("QE  " + q + " -> [" + e.position() + "] " + e.getMessage()); }
        catch (RuntimeException e) { System.out.println("RT  " + q + " -> " + e); }
      }
      System.out.println(idx.search("", null, 0, 1).hits());
    }
  }
}
