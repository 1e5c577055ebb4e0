package org.dynalens.plugin.task;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/** The code-corpus task: its tokenizer on a known snippet, deterministic batches, the cache and a missing jar. */
class CodeCorpusTest {

    @TempDir
    Path tmp;

    @Test
    void tokenizerSplitsIdentifiersNumbersPunctuationLinesAndIndents() {
        String code = "class A {\n    int x_1 = 0x1F;\n\treturn a.b(1.5f, \"s\");  // done\r\n  }\n";
        assertEquals(List.of("class", "A", "{", "\n",
                "\t", "int", "x_1", "=", "0x1F", ";", "\n",
                "\t", "return", "a", ".", "b", "(", "1.5f", ",", "\"", "s", "\"", ")", ";", "/", "/", "done", "\n",
                "}", "\n"), CodeCorpus.tokenize(code), "two leading spaces are no indent; \\r is dropped");
        assertEquals(List.of("\t", "\t", "x"), CodeCorpus.tokenize("        x"));
        assertEquals(List.of("é", "$v"), CodeCorpus.tokenize("é $v"));
    }

    @Test
    void vocabularyIsUnknownThenMostFrequentWithTiesByText() {
        List<String> tokens = CodeCorpus.tokenize("b a c a b d a");
        assertEquals(List.of(CodeCorpus.UNK, "a", "b", "c"), CodeCorpus.vocabulary(tokens, 4));
    }

    @Test
    void batchesAreWindowsOfTheCorpusAndDeterministic() throws IOException {
        Path jar = jar(tmp.resolve("demo-sources.jar"), Map.of(
                "p/B.java", "class B {\n    int y = 2;\n}\n",
                "p/A.java", "class A {\n    int x = 1;\n    int y = x + x;\n}\n"));
        Path cache = tmp.resolve("cache");
        CodeCorpus c = CodeCorpus.load(List.of(jar.toString()), 8, 6, cache);
        assertEquals(8, c.vocab());
        assertEquals(6, c.contextLength());
        // A.java before B.java (name order): 22 + 13 tokens
        assertEquals(35, c.size());
        // "\n" 7 times; "\t", ";", "=", "int", "x" 3 times each (ties by text); then "class" of the 2-count ties
        assertEquals(List.of(CodeCorpus.UNK, "\n", "\t", ";", "=", "int", "x", "class"), c.vocabulary());
        int[] first = c.batch(3, 5, 1).tokens();
        for (int id : first) assertTrue(id >= 0 && id < 8);

        SequenceBatch b = c.batch(3, 5, 4);
        assertArrayEquals(b.tokens(), c.batch(3, 5, 4).tokens(), "a pure function of (seed, step)");
        assertArrayEquals(b.targets(), c.batch(3, 5, 4).targets());
        assertFalse(java.util.Arrays.equals(b.tokens(), c.batch(3, 6, 4).tokens()));
        for (int r = 0; r < 4; r++) {
            for (int i = 0; i < 5; i++) assertEquals(b.tokens()[r * 6 + i + 1], b.targets()[r * 6 + i], "next token");
            for (int i = 0; i < 6; i++) assertTrue(b.counted()[r * 6 + i], "every position counts");
        }

        // the second load reads the cache: same corpus, and the jar is no longer tokenized (the cache file is reused)
        try (Stream<Path> files = Files.list(cache.resolve("code-corpus"))) {
            assertEquals(1, files.count());
        }
        CodeCorpus again = CodeCorpus.load(List.of(jar.toString()), 8, 6, cache);
        assertEquals(c.vocabulary(), again.vocabulary());
        assertArrayEquals(b.tokens(), again.batch(3, 5, 4).tokens());
    }

    @Test
    void theBundledLibrarySourcesMakeARealCorpus() {
        CodeCorpus c = CodeCorpus.load(CodeCorpus.DEFAULT_SOURCES, 512, 64, tmp);
        assertTrue(c.size() > 500_000, "tokens: " + c.size());
        assertTrue(c.vocabulary().containsAll(List.of("public", "class", "\n", "\t", "{", "return")));
        assertTrue(c.unknownFraction() < 0.3, "out-of-vocabulary fraction " + c.unknownFraction());
        assertArrayEquals(c.batch(0, 0, 2).tokens(), CodeCorpus.load(CodeCorpus.DEFAULT_SOURCES, 512, 64, tmp).batch(0, 0, 2).tokens());
    }

    @Test
    void outOfVocabularyTokensGetStableHashBuckets() throws IOException {
        // "alpha" and "beta" are rare (twice, once); with 2 frequent ids and 3 buckets they land in buckets
        Path jar = jar(tmp.resolve("oov-sources.jar"), Map.of(
                "p/A.java", "x x x y y y alpha beta alpha x\n"));
        CodeCorpus c = CodeCorpus.load(List.of(jar.toString()), CodeCorpus.Tokenizer.CODE, 6, 3, 4, tmp.resolve("cache"));
        assertEquals(List.of(CodeCorpus.UNK, "x", "y", "<oov:0>", "<oov:1>", "<oov:2>"), c.vocabulary());
        assertEquals(0.0, c.unknownFraction(), "with buckets no token is <unk>");
        int alpha = 3 + CodeCorpus.oovBucket("alpha", 3);
        int beta = 3 + CodeCorpus.oovBucket("beta", 3);
        int newline = 3 + CodeCorpus.oovBucket("\n", 3);
        int[] expected = {1, 1, 1, 2, 2, 2, alpha, beta, alpha, 1, newline};
        // every window is a slice of the id stream: find each window's offset and compare
        SequenceBatch b = c.batch(1, 2, 16);
        for (int r = 0; r < 16; r++) {
            int[] window = java.util.Arrays.copyOfRange(b.tokens(), r * 4, r * 4 + 4);
            boolean found = false;
            for (int off = 0; off + 4 < expected.length && !found; off++) {
                found = java.util.Arrays.equals(window, java.util.Arrays.copyOfRange(expected, off, off + 4));
            }
            assertTrue(found, "window " + java.util.Arrays.toString(window) + " is a slice of " + java.util.Arrays.toString(expected));
        }
        // FNV-1a 32-bit of "a" is 0xe40c292c (the published test vector), so its bucket mod 1000 is 0xe40c292c % 1000
        assertEquals((int) (0xe40c292cL % 1000), CodeCorpus.oovBucket("a", 1000));
        assertThrows(IllegalArgumentException.class, () -> CodeCorpus.load(List.of(jar.toString()), CodeCorpus.Tokenizer.CODE, 6, 5, 4, tmp));
        assertThrows(IllegalArgumentException.class, () -> CodeCorpus.load(List.of(jar.toString()), CodeCorpus.Tokenizer.CODE, 6, -1, 4, tmp));
    }

    @Test
    void theRealCorpusWithBucketsHasNoUnknownTokens() {
        CodeCorpus c = CodeCorpus.load(CodeCorpus.DEFAULT_SOURCES, CodeCorpus.Tokenizer.CODE, 1024, 512, 64, tmp);
        assertEquals(0.0, c.unknownFraction());
        assertEquals(1024, c.vocabulary().size());
        assertEquals("<oov:511>", c.tokenText(1023));
        assertEquals(CodeCorpus.load(CodeCorpus.DEFAULT_SOURCES, 512, 64, tmp).vocabulary().subList(0, 512),
                c.vocabulary().subList(0, 512), "the frequent part is the vocabulary of vocab - oov_buckets");
    }

    @Test
    void theCharacterTokenizerMakesOneTokenPerCharacter() throws IOException {
        assertEquals(List.of("a", " ", "=", "\n", "\t", "é", "😀"), CodeCorpus.characters("a =\r\n\té😀"));
        Path jar = jar(tmp.resolve("chars-sources.jar"), Map.of("p/A.java", "abba abba\n"));
        CodeCorpus c = CodeCorpus.load(List.of(jar.toString()), CodeCorpus.Tokenizer.CHARS, 4, 0, 2, tmp.resolve("cache"));
        // a and b 4 times each (tie by text), then of the 1-count ties the line break (0x0a sorts before the space)
        assertEquals(List.of(CodeCorpus.UNK, "a", "b", "\n"), c.vocabulary());
        assertEquals("⏎", c.tokenText(3));
        assertEquals(10, c.size());
        assertEquals(0.1, c.unknownFraction(), 1e-12, "the space is outside a vocabulary of 4");
        CodeCorpus words = CodeCorpus.load(List.of(jar.toString()), CodeCorpus.Tokenizer.CODE, 4, 0, 2, tmp.resolve("cache"));
        assertEquals(List.of(CodeCorpus.UNK, "abba", "\n"), words.vocabulary(), "a separate cache entry per tokenizer");
        assertThrows(IllegalArgumentException.class, () -> CodeCorpus.Tokenizer.of("bytes"));
        assertEquals(CodeCorpus.Tokenizer.CHARS, CodeCorpus.Tokenizer.of("chars"));
    }

    @Test
    void aMissingJarIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CodeCorpus.load(List.of(tmp.resolve("nope-sources.jar").toString()), 64, 16, tmp));
        assertTrue(e.getMessage().contains("is missing") && e.getMessage().contains("mvn -B -pl plugin generate-resources"),
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CodeCorpus.load(List.of("corpus/no-such-sources.jar"), 64, 16, tmp));
    }

    @Test
    void aJarWithoutJavaSourcesIsAClearError() throws IOException {
        Path jar = jar(tmp.resolve("empty-sources.jar"), Map.of("README.txt", "nothing"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CodeCorpus.load(List.of(jar.toString()), 64, 16, tmp));
        assertTrue(e.getMessage().contains("no .java files"), e.getMessage());
    }

    @Test
    void theSourcesSettingListsJarsAndRejectsAnythingElse() {
        assertEquals(CodeCorpus.DEFAULT_SOURCES, CodeCorpus.sources(null));
        assertEquals(List.of("a.jar", "corpus/b.jar"), CodeCorpus.sources(List.of("a.jar", "corpus/b.jar")));
        for (Object bad : new Object[] {"corpus/a.jar", List.of(), List.of("a.jar", 3), List.of(" ")}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CodeCorpus.sources(bad));
            assertTrue(e.getMessage().startsWith("sources must be a non-empty list"), e.getMessage());
        }
    }

    /** The build copies every jar of LARGE_SOURCES (plugin/pom.xml) and each holds Java sources. */
    @Test
    void everyLargeSourceIsShippedWithJavaFiles() throws IOException {
        for (String source : CodeCorpus.LARGE_SOURCES) {
            java.net.URL url = getClass().getClassLoader().getResource(source);
            assertNotNull(url, source + " is on the class path");
            try (java.util.zip.ZipInputStream zip = new java.util.zip.ZipInputStream(url.openStream())) {
                boolean java = false;
                for (ZipEntry e; !java && (e = zip.getNextEntry()) != null; ) java = e.getName().endsWith(".java");
                assertTrue(java, source + " holds .java files");
            }
        }
        assertTrue(CodeCorpus.LARGE_SOURCES.containsAll(CodeCorpus.DEFAULT_SOURCES));
    }

    private static Path jar(Path file, Map<String, String> entries) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(entries).descendingMap().entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return file;
    }
}
