package org.dynalens.indexer.bench;

import org.dynalens.archive.RunInfo;
import org.dynalens.indexer.CheckpointDoc;
import org.dynalens.indexer.IndexableRun;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The baseline: the same runs and checkpoints in SQLite, in the schema a developer would write for them, with an
 * index on every column the queries filter or sort on.
 * <pre>
 * runs(id PK, task, seed, status, created, p, lr, weight_decay, frac, d_model, steps, grok_step, notes,
 *      latest metrics..., latest_step, checkpoints)
 * run_tags(run_id, tag)                  run_key_freqs(run_id, freq)        -- the latest checkpoint's
 * checkpoints(run_id, step, metrics...)  PRIMARY KEY (run_id, step)
 * checkpoint_key_freqs(run_id, step, freq)
 * runs_text                               FTS5 over the notes
 * </pre>
 * Facet counts are GROUP BY queries limited, like the index's, to the 100 largest counts.
 */
final class SqliteRuns implements AutoCloseable {

    private static final List<String> RUN_NUMBERS = List.of("p", "lr", "weight_decay", "frac", "d_model", "steps");
    private final Connection db;
    private final Map<String, List<PreparedStatement>> prepared = new HashMap<>();

    private SqliteRuns(Connection db) {
        this.db = db;
    }

    /** Creates the database file and loads {@code runs} into it (one transaction, indexes built after the load). */
    static SqliteRuns create(Path file, Collection<IndexableRun> runs) throws SQLException {
        Connection db = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
        try (Statement s = db.createStatement()) {
            s.execute("PRAGMA journal_mode = OFF");
            s.execute("PRAGMA synchronous = OFF");
            s.execute("PRAGMA cache_size = -262144");  // 256 MB page cache: generous, to be fair to SQLite
            s.execute("PRAGMA mmap_size = 1073741824");
            s.execute("CREATE TABLE runs (id TEXT PRIMARY KEY, task TEXT NOT NULL, seed INTEGER NOT NULL, status TEXT,"
                    + " created INTEGER, p INTEGER, lr REAL, weight_decay REAL, frac REAL, d_model INTEGER, steps INTEGER,"
                    + " grok_step INTEGER, notes TEXT, " + String.join(" REAL, ", SyntheticSweep.METRICS) + " REAL,"
                    + " latest_step INTEGER, checkpoints INTEGER)");
            s.execute("CREATE TABLE run_tags (run_id TEXT NOT NULL, tag TEXT NOT NULL)");
            s.execute("CREATE TABLE run_key_freqs (run_id TEXT NOT NULL, freq TEXT NOT NULL)");
            s.execute("CREATE TABLE checkpoints (run_id TEXT NOT NULL, step INTEGER NOT NULL, "
                    + String.join(" REAL, ", SyntheticSweep.METRICS) + " REAL, PRIMARY KEY (run_id, step))");
            s.execute("CREATE TABLE checkpoint_key_freqs (run_id TEXT NOT NULL, step INTEGER NOT NULL, freq TEXT NOT NULL)");
            s.execute("CREATE VIRTUAL TABLE runs_text USING fts5(id UNINDEXED, notes)");
        }
        db.setAutoCommit(false);
        String metricMarks = ", ?".repeat(SyntheticSweep.METRICS.size());
        try (PreparedStatement run = db.prepareStatement("INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
                + metricMarks + ", ?, ?)");
             PreparedStatement tag = db.prepareStatement("INSERT INTO run_tags VALUES (?, ?)");
             PreparedStatement runFreq = db.prepareStatement("INSERT INTO run_key_freqs VALUES (?, ?)");
             PreparedStatement ckpt = db.prepareStatement("INSERT INTO checkpoints VALUES (?, ?" + metricMarks + ")");
             PreparedStatement ckptFreq = db.prepareStatement("INSERT INTO checkpoint_key_freqs VALUES (?, ?, ?)");
             PreparedStatement text = db.prepareStatement("INSERT INTO runs_text VALUES (?, ?)")) {
            for (IndexableRun r : runs) {
                RunInfo info = r.info();
                List<CheckpointDoc> cs = r.checkpoints();
                CheckpointDoc latest = cs.get(cs.size() - 1);
                int c = 1;
                run.setString(c++, info.id());
                run.setString(c++, info.task());
                run.setLong(c++, info.seed());
                run.setString(c++, (String) info.summary().get("status"));
                run.setLong(c++, info.created().toEpochMilli());
                for (String key : RUN_NUMBERS) run.setObject(c++, info.config().get(key));
                setOrNull(run, c++, info.summary().get("grok_step"), Types.INTEGER);
                setOrNull(run, c++, info.summary().get("notes"), Types.VARCHAR);
                for (String m : SyntheticSweep.METRICS) run.setDouble(c++, latest.metrics().get(m));
                run.setLong(c++, latest.step());
                run.setLong(c, cs.size());
                run.addBatch();
                for (Object t : (List<?>) info.summary().get("tags")) {
                    tag.setString(1, info.id());
                    tag.setString(2, t.toString());
                    tag.addBatch();
                }
                for (String f : latest.keywords().getOrDefault("key_freqs", List.of())) {
                    runFreq.setString(1, info.id());
                    runFreq.setString(2, f);
                    runFreq.addBatch();
                }
                for (CheckpointDoc cp : cs) {
                    ckpt.setString(1, info.id());
                    ckpt.setLong(2, cp.step());
                    int m = 3;
                    for (String metric : SyntheticSweep.METRICS) ckpt.setDouble(m++, cp.metrics().get(metric));
                    ckpt.addBatch();
                    for (String f : cp.keywords().getOrDefault("key_freqs", List.of())) {
                        ckptFreq.setString(1, info.id());
                        ckptFreq.setLong(2, cp.step());
                        ckptFreq.setString(3, f);
                        ckptFreq.addBatch();
                    }
                }
                if (info.summary().get("notes") != null) {
                    text.setString(1, info.id());
                    text.setString(2, (String) info.summary().get("notes"));
                    text.addBatch();
                }
                for (PreparedStatement p : List.of(run, tag, runFreq, ckpt, ckptFreq, text)) p.executeBatch();
            }
        }
        try (Statement s = db.createStatement()) {
            for (String column : List.of("task", "seed", "status", "created", "p", "lr", "weight_decay", "frac",
                    "d_model", "grok_step", "train_loss", "test_loss", "train_acc", "test_acc", "weight_norm",
                    "latest_step")) {
                s.execute("CREATE INDEX runs_" + column + " ON runs (" + column + ")");
            }
            s.execute("CREATE INDEX run_tags_tag ON run_tags (tag, run_id)");
            s.execute("CREATE INDEX run_tags_run ON run_tags (run_id)");
            s.execute("CREATE INDEX run_key_freqs_freq ON run_key_freqs (freq, run_id)");
            s.execute("CREATE INDEX run_key_freqs_run ON run_key_freqs (run_id)");
            for (String metric : SyntheticSweep.METRICS) {
                s.execute("CREATE INDEX checkpoints_" + metric + " ON checkpoints (" + metric + ")");
            }
            s.execute("CREATE INDEX checkpoints_step ON checkpoints (step)");
            s.execute("CREATE INDEX checkpoint_key_freqs_freq ON checkpoint_key_freqs (freq, run_id, step)");
            s.execute("CREATE INDEX checkpoint_key_freqs_run ON checkpoint_key_freqs (run_id, step)");
            s.execute("ANALYZE");
        }
        db.commit();
        db.setAutoCommit(true);
        return new SqliteRuns(db);
    }

    private static void setOrNull(PreparedStatement st, int column, Object value, int sqlType) throws SQLException {
        if (value == null) st.setNull(column, sqlType);
        else st.setObject(column, value);
    }

    /** The answer to {@code q}: total, the first {@code limit} ids in the query's order, facet counts. */
    SearchAnswer answer(BenchmarkQuery q, int limit) throws SQLException {
        List<PreparedStatement> statements = prepared.computeIfAbsent(q.name() + "@" + limit, k -> prepare(q, limit));
        long total;
        try (ResultSet rs = statements.get(0).executeQuery()) {
            rs.next();
            total = rs.getLong(1);
        }
        List<String> ids = new ArrayList<>();
        try (ResultSet rs = statements.get(1).executeQuery()) {
            while (rs.next()) ids.add(rs.getString(1));
        }
        Map<String, Map<String, Long>> facets = new LinkedHashMap<>();
        for (int i = 0; i < q.facets().size(); i++) {
            Map<String, Long> counts = new LinkedHashMap<>();
            try (ResultSet rs = statements.get(2 + i).executeQuery()) {
                while (rs.next()) counts.put(rs.getString(1), rs.getLong(2));
            }
            facets.put(q.facets().get(i), counts);
        }
        return new SearchAnswer(total, ids, facets);
    }

    private List<PreparedStatement> prepare(BenchmarkQuery q, int limit) {
        List<String> sql = new ArrayList<>();
        sql.add("SELECT count(*) FROM runs r WHERE " + q.sqlWhere());
        sql.add("SELECT r.id FROM runs r WHERE " + q.sqlWhere() + " ORDER BY " + q.sqlOrder() + " LIMIT " + limit);
        for (String facet : q.facets()) sql.add(facetSql(facet, q.sqlWhere()));
        List<PreparedStatement> out = new ArrayList<>();
        try {
            for (String s : sql) out.add(db.prepareStatement(s));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare " + sql + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** Runs per value, largest count first, ties in natural order, at most 100 values: as the index counts them. */
    private static String facetSql(String facet, String where) {
        int top = org.dynalens.indexer.Schema.MAX_FACET_VALUES;
        return switch (facet) {
            case "task", "status", "seed" -> "SELECT r." + facet + " AS v, count(*) AS n FROM runs r WHERE " + where
                    + " GROUP BY r." + facet + " ORDER BY n DESC, v LIMIT " + top;
            case "tag" -> "SELECT ft.tag AS v, count(*) AS n FROM runs r JOIN run_tags ft ON ft.run_id = r.id WHERE "
                    + where + " GROUP BY ft.tag ORDER BY n DESC, v LIMIT " + top;
            case "key_freqs" -> "SELECT fk.freq AS v, count(*) AS n FROM runs r JOIN run_key_freqs fk ON fk.run_id = r.id"
                    + " WHERE " + where + " GROUP BY fk.freq ORDER BY n DESC, CAST(fk.freq AS INTEGER) LIMIT " + top;
            default -> throw new IllegalArgumentException("no SQL for facet " + facet);
        };
    }

    @Override
    public void close() throws SQLException {
        for (List<PreparedStatement> statements : prepared.values()) {
            for (PreparedStatement s : statements) s.close();
        }
        db.close();
    }
}
