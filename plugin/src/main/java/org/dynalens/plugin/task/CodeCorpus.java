package org.dynalens.plugin.task;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Next-token prediction on real code: by default the Java sources of two libraries the project already depends on
 * (lucene-core and jackson-databind), taken from their Maven {@code -sources.jar} artifacts; setting {@code sources}
 * picks other jars, e.g. the 18 of {@link #LARGE_SOURCES}. Maven copies the jars
 * into the plugin's resources ({@code corpus/*.jar}) at build time (maven-dependency-plugin, see plugin/pom.xml), so
 * nothing is downloaded when a run starts; ANCHORS.md section 2 suggests this as a free, offline code corpus on which
 * induction heads form (identifiers recur within a file).
 *
 * <p>Tokenizer ({@link #tokenize}), deliberately simple and documented so a token is easy to read back:
 * <ul>
 *   <li>identifiers and keywords {@code [A-Za-z_$][A-Za-z0-9_$]*} are one token each;</li>
 *   <li>numbers {@code [0-9][A-Za-z0-9_.]*} (e.g. {@code 0x1F}, {@code 1.5f}) are one token each;</li>
 *   <li>a line break is the token {@code "\n"}; the indentation of the next line gives one {@code "\t"} token per
 *       tab or per 4 leading spaces (fewer leftover spaces are dropped);</li>
 *   <li>every other non-blank character is a token of its own (punctuation, operators, quotes); other whitespace
 *       separates tokens and is dropped.</li>
 * </ul>
 * Files are the {@code .java} entries of each jar, in jar order then name order, tokenized and concatenated.
 * Vocabulary: id 0 is {@value #UNK} (every token outside the vocabulary); ids 1 .. vocab - 1 are the vocab - 1
 * most frequent tokens of the corpus, ties broken by the token's text, so the same jars always give the same ids.
 *
 * <p>Setting {@code tokenizer}: {@code code} (the default, above) or {@code chars}. With {@code chars} each character
 * (code point) is a token, spaces and line breaks included, and only {@code \r} is dropped. Identifiers then span
 * several tokens, so completing one that occurred earlier in the window is copying a run of characters, the job of an
 * induction head, and the vocabulary is small (about 100 characters cover the corpus).
 *
 * <p>Out-of-vocabulary buckets (setting {@code oov_buckets}, default 0 = off): the last {@code oov_buckets} ids are
 * hash buckets, {@code <oov:k>} with k = FNV-1a (32-bit, of the token's UTF-8 bytes) mod oov_buckets, and the ids
 * before them are {@code <unk>} plus the most frequent tokens. Every rare token then has an id of its own within a
 * window (up to collisions), as in the hashing trick (Weinberger et al. 2009). Why: the identifiers that recur inside
 * one file are mostly rare in the corpus; as {@code <unk>} they all look alike and an induction head has nothing to
 * match or copy.
 *
 * <p>Batches: each sequence is a window of n_ctx tokens starting at an offset drawn uniformly from the corpus by
 * {@code (seed, step)}; every position predicts the token after it (all n_ctx positions count). Evaluation batches
 * come from the run's evaluation seed like every sequence task (the corpus is not split: windows of the same text
 * can appear in both streams).
 *
 * <p>Cache: the token ids are written once to {@code <cache>/code-corpus/<key>.bin} (key: SHA-256 of the jars'
 * names and bytes, the vocabulary size and the tokenizer version); the cache directory is the system property
 * {@code dynalens.cache.dir}, else {@code ~/.cache/dynalens}. Nothing is committed to the repository.
 *
 * <p>Settings: {@code n_ctx} (default 64), {@code vocab} (default 512, at least 2), {@code oov_buckets} (default 0,
 * at most vocab - 2), {@code tokenizer} ({@code code} or {@code chars}), {@code sources} (default
 * {@link #DEFAULT_SOURCES}: the jars to read, as files or class-path resources; the build also ships the larger set of
 * {@link #LARGE_SOURCES} under {@code corpus/}).
 */
public final class CodeCorpus implements SequenceTask {

    public static final String UNK = "<unk>";
    /** The jars Maven copies into the plugin's resources (plugin/pom.xml, execution code-corpus-sources). */
    public static final List<String> DEFAULT_SOURCES = List.of("corpus/lucene-core-sources.jar",
            "corpus/jackson-databind-sources.jar");
    /**
     * A corpus about eight times larger (about 30M tokens): the default two and 16 more libraries' sources, also
     * copied by Maven at build time. A small corpus is seen dozens of times in a long run, which favours memorising it
     * over copying from the context (Chan et al. 2022; Singh et al. 2023).
     */
    public static final List<String> LARGE_SOURCES = List.of("corpus/lucene-core-sources.jar",
            "corpus/jackson-databind-sources.jar", "corpus/lucene-analysis-common-sources.jar",
            "corpus/lucene-queryparser-sources.jar", "corpus/guava-sources.jar", "corpus/commons-lang3-sources.jar",
            "corpus/commons-math3-sources.jar", "corpus/commons-collections4-sources.jar",
            "corpus/commons-compress-sources.jar", "corpus/hibernate-core-sources.jar", "corpus/spring-core-sources.jar",
            "corpus/spring-beans-sources.jar", "corpus/spring-context-sources.jar", "corpus/netty-codec-http-sources.jar",
            "corpus/jetty-server-sources.jar", "corpus/groovy-sources.jar", "corpus/poi-sources.jar",
            "corpus/vertx-core-sources.jar");
    /** Bump when the tokenizer changes, so cached corpora are rebuilt. */
    static final int TOKENIZER_VERSION = 1;

    /** How source text becomes tokens (see the class comment). */
    public enum Tokenizer {
        /** Identifiers, numbers and single symbols; line breaks and indents as tokens. */
        CODE,
        /** One token per character. */
        CHARS;

        List<String> tokens(String text) {
            return this == CODE ? tokenize(text) : characters(text);
        }

        /** The tokenizer of a setting value: {@code code} or {@code chars}. */
        public static Tokenizer of(String name) {
            for (Tokenizer t : values()) if (t.name().equalsIgnoreCase(name)) return t;
            throw new IllegalArgumentException("tokenizer must be 'code' or 'chars' for code-corpus, got '" + name + "'");
        }
    }

    /** Text of out-of-vocabulary bucket k is this prefix, k and {@code >}. */
    public static final String OOV_PREFIX = "<oov:";

    private final int vocab;
    private final int nCtx;
    private final int[] ids;
    private final List<String> vocabulary;

    private CodeCorpus(int vocab, int nCtx, int[] ids, List<String> vocabulary) {
        this.vocab = vocab;
        this.nCtx = nCtx;
        this.ids = ids;
        this.vocabulary = vocabulary;
    }

    /**
     * The corpus of the given jars (class-path resources such as {@link #DEFAULT_SOURCES}, or file paths), from the
     * cache under {@code cacheDir} when it is there, else tokenized and cached.
     *
     * @throws IllegalArgumentException when a jar is missing (with how to get it), holds no Java source, or the
     *                                  corpus is shorter than one window
     */
    public static CodeCorpus load(List<String> sources, int vocab, int nCtx, Path cacheDir) {
        return load(sources, Tokenizer.CODE, vocab, 0, nCtx, cacheDir);
    }

    /**
     * As {@link #load(List, int, int, Path)}, with the given tokenizer and the last {@code oovBuckets} of the
     * {@code vocab} ids given to hash buckets of the out-of-vocabulary tokens (see the class comment).
     *
     * @throws IllegalArgumentException also when {@code oovBuckets} is outside [0, vocab - 2]
     */
    public static CodeCorpus load(List<String> sources, Tokenizer tokenizer, int vocab, int oovBuckets, int nCtx, Path cacheDir) {
        if (vocab < 2) throw new IllegalArgumentException("vocab must be >= 2 for code-corpus, got " + vocab);
        if (nCtx < 2) throw new IllegalArgumentException("n_ctx must be >= 2 for code-corpus, got " + nCtx);
        if (oovBuckets < 0 || oovBuckets > vocab - 2) {
            throw new IllegalArgumentException("oov_buckets must be in [0, vocab - 2] = [0, " + (vocab - 2)
                    + "] for code-corpus (the other ids are <unk> and at least one frequent token), got " + oovBuckets);
        }
        List<byte[]> jars = new ArrayList<>();
        for (String s : sources) jars.add(readJar(s));
        String key = cacheKey(sources, jars, tokenizer, vocab, oovBuckets);
        Path cached = cacheDir.resolve("code-corpus").resolve(key + ".bin");
        Cached c = Files.isRegularFile(cached) ? readCache(cached) : null;
        if (c == null) {
            c = build(jars, tokenizer, vocab, oovBuckets);
            writeCache(cached, c);
        }
        if (c.ids.length <= nCtx) {
            throw new IllegalArgumentException("code-corpus has " + c.ids.length + " tokens, too few for n_ctx " + nCtx);
        }
        return new CodeCorpus(vocab, nCtx, c.ids, c.vocabulary);
    }

    /** The default cache directory: {@code dynalens.cache.dir}, else {@code ~/.cache/dynalens}. */
    public static Path defaultCacheDir() {
        String dir = System.getProperty("dynalens.cache.dir");
        return dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "dynalens");
    }

    @Override
    public String name() {
        return "code-corpus";
    }

    @Override
    public int vocab() {
        return vocab;
    }

    @Override
    public int contextLength() {
        return nCtx;
    }

    /** Number of tokens in the corpus. */
    public int size() {
        return ids.length;
    }

    /** The token of each id: {@value #UNK} first, then by frequency, then the {@code <oov:k>} buckets if any. */
    public List<String> vocabulary() {
        return vocabulary;
    }

    /** The token's text, with line break and indent shown as the visible marks {@code ⏎} and {@code ⇥}. */
    @Override
    public String tokenText(int id) {
        if (id < 0 || id >= vocabulary.size()) return Integer.toString(id);
        String t = vocabulary.get(id);
        return t.equals("\n") ? "⏎" : t.equals("\t") ? "⇥" : t.equals(" ") ? "␣" : t;
    }

    /** Fraction of corpus tokens outside the vocabulary. */
    public double unknownFraction() {
        long unk = 0;
        for (int id : ids) if (id == 0) unk++;
        return (double) unk / ids.length;
    }

    @Override
    public SequenceBatch batch(long seed, long step, int batchSize) {
        SplittableRandom rng = Batches.random(seed, step);
        SequenceBatch b = SequenceBatch.empty(batchSize, nCtx);
        for (int r = 0; r < batchSize; r++) {
            int offset = rng.nextInt(ids.length - nCtx); // the window plus the token after it fit
            System.arraycopy(ids, offset, b.tokens(), r * nCtx, nCtx);
            for (int i = 0; i < nCtx; i++) b.count(r, i, ids[offset + i + 1]);
        }
        return b;
    }

    // ---- tokenizer ----------------------------------------------------------------------------------------------

    /** The tokens of a source text (see the class comment). */
    public static List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        int n = text.length();
        int i = 0;
        boolean lineStart = true;
        while (i < n) {
            char c = text.charAt(i);
            if (lineStart) {
                int spaces = 0;
                while (i < n && (text.charAt(i) == ' ' || text.charAt(i) == '\t')) {
                    if (text.charAt(i) == '\t') {
                        out.add("\t");
                        spaces = 0;
                    } else if (++spaces == 4) {
                        out.add("\t");
                        spaces = 0;
                    }
                    i++;
                }
                lineStart = false;
                continue;
            }
            if (c == '\n') {
                out.add("\n");
                lineStart = true;
                i++;
            } else if (Character.isWhitespace(c)) {
                i++; // spaces inside a line, \r of CRLF, form feeds
            } else if (isIdentifierStart(c)) {
                int j = i + 1;
                while (j < n && isIdentifierPart(text.charAt(j))) j++;
                out.add(text.substring(i, j));
                i = j;
            } else if (c >= '0' && c <= '9') {
                int j = i + 1;
                while (j < n && (isAsciiLetterOrDigit(text.charAt(j)) || text.charAt(j) == '_' || text.charAt(j) == '.')) j++;
                out.add(text.substring(i, j));
                i = j;
            } else {
                int cp = text.codePointAt(i);
                out.add(new String(Character.toChars(cp)));
                i += Character.charCount(cp);
            }
        }
        return out;
    }

    /** One token per character (code point) of a source text; {@code \r} is dropped so CRLF files read as LF. */
    public static List<String> characters(String text) {
        List<String> out = new ArrayList<>(text.length());
        text.codePoints().filter(cp -> cp != '\r').forEach(cp -> out.add(new String(Character.toChars(cp))));
        return out;
    }

    private static boolean isIdentifierStart(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$';
    }

    private static boolean isIdentifierPart(char c) {
        return isIdentifierStart(c) || (c >= '0' && c <= '9');
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /**
     * The vocabulary of a token stream: {@value #UNK}, then the {@code size - 1} most frequent tokens, ties by text.
     */
    static List<String> vocabulary(List<String> tokens, int size) {
        Map<String, Integer> counts = new HashMap<>();
        for (String t : tokens) counts.merge(t, 1, Integer::sum);
        return vocabulary(counts, size);
    }

    /** As {@link #vocabulary(List, int)}, from each token's count. */
    private static List<String> vocabulary(Map<String, Integer> counts, int size) {
        List<String> out = new ArrayList<>();
        out.add(UNK);
        counts.entrySet().stream()
                .sorted(Comparator.<Map.Entry<String, Integer>>comparingInt(Map.Entry::getValue).reversed()
                        .thenComparing(Map.Entry::getKey))
                .limit(size - 1L)
                .forEach(e -> out.add(e.getKey()));
        return out;
    }

    // ---- building and caching -----------------------------------------------------------------------------------

    private record Cached(int[] ids, List<String> vocabulary) {
    }

    private static Cached build(List<byte[]> jars, Tokenizer tokenizer, int vocab, int oovBuckets) {
        // each token is stored once and the stream as indices into the distinct tokens: a corpus of tens of millions
        // of tokens would not fit in memory as one String per token
        Map<String, Integer> index = new HashMap<>();
        List<String> distinct = new ArrayList<>();
        int[] stream = new int[1 << 20];
        int length = 0;
        for (byte[] jar : jars) {
            for (String text : javaFiles(jar).values()) {
                for (String t : tokenizer.tokens(text)) {
                    Integer k = index.get(t);
                    if (k == null) {
                        k = distinct.size();
                        index.put(t, k);
                        distinct.add(t);
                    }
                    if (length == stream.length) stream = java.util.Arrays.copyOf(stream, 2 * length);
                    stream[length++] = k;
                }
            }
        }
        if (length == 0) throw new IllegalArgumentException("code-corpus: the sources jars hold no .java files");
        int[] count = new int[distinct.size()];
        for (int i = 0; i < length; i++) count[stream[i]]++;
        Map<String, Integer> counts = new HashMap<>();
        for (int k = 0; k < count.length; k++) counts.put(distinct.get(k), count[k]);
        List<String> frequent = vocabulary(counts, vocab - oovBuckets);
        Map<String, Integer> id = new HashMap<>();
        for (int i = 1; i < frequent.size(); i++) id.put(frequent.get(i), i);
        int firstBucket = vocab - oovBuckets;
        int[] idOfDistinct = new int[distinct.size()];
        for (int k = 0; k < idOfDistinct.length; k++) {
            Integer known = id.get(distinct.get(k));
            idOfDistinct[k] = known != null ? known : oovBuckets == 0 ? 0 : firstBucket + oovBucket(distinct.get(k), oovBuckets);
        }
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) ids[i] = idOfDistinct[stream[i]];
        List<String> vocabulary = new ArrayList<>(frequent);
        // a corpus with fewer distinct tokens than vocab - oovBuckets leaves ids unused; the buckets keep their ids
        while (vocabulary.size() < firstBucket && oovBuckets > 0) vocabulary.add(UNK);
        for (int k = 0; k < oovBuckets; k++) vocabulary.add(OOV_PREFIX + k + ">");
        return new Cached(ids, List.copyOf(vocabulary));
    }

    /** The bucket of an out-of-vocabulary token: 32-bit FNV-1a of its UTF-8 bytes, mod {@code buckets}. */
    static int oovBucket(String token, int buckets) {
        int h = 0x811c9dc5;
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        return Integer.remainderUnsigned(h, buckets);
    }

    /** The .java entries of a jar by name (sorted, so the order does not depend on how the jar was packed). */
    private static TreeMap<String, String> javaFiles(byte[] jar) {
        TreeMap<String, String> files = new TreeMap<>();
        try (ZipInputStream zip = new ZipInputStream(new java.io.ByteArrayInputStream(jar))) {
            for (ZipEntry e; (e = zip.getNextEntry()) != null; ) {
                if (!e.isDirectory() && e.getName().endsWith(".java")) {
                    files.put(e.getName(), new String(zip.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("code-corpus: cannot read a sources jar: " + e.getMessage(), e);
        }
        return files;
    }

    /** A jar from the class path ({@code corpus/...}) or the file system. */
    private static byte[] readJar(String source) {
        Path file = Path.of(source);
        try {
            if (Files.isRegularFile(file)) return Files.readAllBytes(file);
            URL url = CodeCorpus.class.getClassLoader().getResource(source);
            if (url != null) {
                try (InputStream in = url.openStream()) {
                    return in.readAllBytes();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("code-corpus: cannot read " + source, e);
        }
        throw new IllegalArgumentException("code-corpus: sources jar '" + source + "' is missing (neither a file nor on"
                + " the class path); Maven copies the -sources.jar of CodeCorpus.LARGE_SOURCES into corpus/ when the"
                + " plugin module is built: run 'mvn -B -pl plugin generate-resources' once with network access");
    }

    private static String cacheKey(List<String> sources, List<byte[]> jars, Tokenizer tokenizer, int vocab, int oovBuckets) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            // oov_buckets 0 keeps the key of the corpora cached before the setting existed
            String buckets = (oovBuckets == 0 ? "" : " oov_buckets " + oovBuckets)
                    + (tokenizer == Tokenizer.CODE ? "" : " tokenizer " + tokenizer);
            d.update(("tokenizer " + TOKENIZER_VERSION + " vocab " + vocab + buckets + "\n").getBytes(StandardCharsets.UTF_8));
            for (int i = 0; i < jars.size(); i++) {
                d.update(Path.of(sources.get(i)).getFileName().toString().getBytes(StandardCharsets.UTF_8));
                d.update(jars.get(i));
            }
            return HexFormat.of().formatHex(d.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Format: int count, then the ids; int vocabulary size, then the tokens as UTF strings. Null when unreadable. */
    private static Cached readCache(Path file) {
        try (DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(Files.newInputStream(file)))) {
            int[] ids = new int[in.readInt()];
            for (int i = 0; i < ids.length; i++) ids[i] = in.readInt();
            int size = in.readInt();
            List<String> vocabulary = new ArrayList<>(size);
            for (int i = 0; i < size; i++) vocabulary.add(in.readUTF());
            return new Cached(ids, List.copyOf(vocabulary));
        } catch (IOException | RuntimeException e) {
            return null; // a damaged cache is rebuilt
        }
    }

    /** Written to a temporary file and renamed, so a killed process never leaves a half-written cache. */
    private static void writeCache(Path file, Cached c) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            try (DataOutputStream out = new DataOutputStream(new java.io.BufferedOutputStream(Files.newOutputStream(tmp)))) {
                out.writeInt(c.ids.length);
                for (int id : c.ids) out.writeInt(id);
                out.writeInt(c.vocabulary.size());
                for (String t : c.vocabulary) out.writeUTF(t);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // no cache is only slower: the next run tokenizes again
        }
    }

    /** The {@code sources} setting: absent = {@link #DEFAULT_SOURCES}, else a non-empty list of jar names. */
    static List<String> sources(Object setting) {
        if (setting == null) return DEFAULT_SOURCES;
        if (setting instanceof List<?> list && !list.isEmpty()
                && list.stream().allMatch(s -> s instanceof String str && !str.isBlank())) {
            return list.stream().map(String.class::cast).toList();
        }
        throw new IllegalArgumentException("sources must be a non-empty list of -sources.jar files or class-path "
                + "resources (e.g. [\"corpus/guava-sources.jar\"]), got " + setting);
    }

    public static final class Factory implements SequenceTaskFactory {
        @Override
        public String name() {
            return "code-corpus";
        }

        @Override
        public String description() {
            return "Java source of lucene-core and jackson-databind, or the jars of 'sources' (Maven -sources.jar, "
                    + "offline), simple code tokenizer";
        }

        @Override
        public SequenceTask create(Map<String, Object> settings) {
            int vocab = Batches.intSetting(settings, "vocab", 512, 2, 1 << 16);
            Object tokenizer = settings.getOrDefault("tokenizer", "code");
            return load(sources(settings.get("sources")), Tokenizer.of(String.valueOf(tokenizer)), vocab,
                    Batches.intSetting(settings, "oov_buckets", 0, 0, 1 << 16),
                    Batches.intSetting(settings, "n_ctx", 64, 2, 4096), defaultCacheDir());
        }
    }
}
