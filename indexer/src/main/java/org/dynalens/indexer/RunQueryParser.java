package org.dynalens.indexer;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.queryparser.flexible.core.QueryNodeException;
import org.apache.lucene.queryparser.flexible.messages.Message;
import org.apache.lucene.queryparser.flexible.standard.StandardQueryParser;
import org.apache.lucene.queryparser.flexible.standard.config.PointsConfig;
import org.apache.lucene.queryparser.flexible.standard.config.StandardQueryConfigHandler.Operator;
import org.apache.lucene.queryparser.flexible.standard.parser.ParseException;
import org.apache.lucene.queryparser.flexible.standard.parser.Token;
import org.apache.lucene.document.DoublePoint;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.SortedNumericDocValuesField;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.IndexOrDocValuesQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.PointRangeQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.QueryVisitor;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.join.BitSetProducer;
import org.apache.lucene.search.join.QueryBitSetProducer;
import org.apache.lucene.search.join.ScoreMode;
import org.apache.lucene.search.join.ToParentBlockJoinQuery;
import org.apache.lucene.util.NumericUtils;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the Lucene query syntax users type: {@code task:mod-add AND test_loss:[0 TO 0.1]}, {@code lr:[1e-4 TO
 * 1e-3]}, {@code seed:3}, {@code lr<1e-3}, {@code task:mod*}, {@code NOT status:failed}, parentheses. Terms without a
 * field search the text of id, task, status, tags and notes. Terms are combined with AND unless OR is written.
 *
 * <p>One extension: {@code has_checkpoint:( CONDITIONS )} matches the runs that have at least one checkpoint on
 * which all of CONDITIONS hold together (a {@link ToParentBlockJoinQuery} over the checkpoint children), e.g.
 * {@code task:mod-add AND has_checkpoint:(test_loss:[0 TO 0.1] AND step:[0 TO 10000]) AND key_freqs:14}. It
 * combines with run conditions through AND, OR, NOT and parentheses like any other clause. CONDITIONS use the same
 * syntax, over checkpoint fields (step, metrics, keyword analyses such as key_freqs); every term needs a field.
 * The groups are cut out of the text before Lucene's parser sees it (its grammar forgets the field in front of a
 * parenthesised group), parsed on their own, and put back into the parsed query in place of a placeholder term.
 *
 * <p>Numeric fields are those the index holds as points, so a range on them is numeric (without that, Lucene
 * would silently compare strings). Every failure becomes a {@link QueryException} with a short message and, where
 * known, the character position in the text the user wrote.
 */
final class RunQueryParser {

    private static final Pattern NUMBER_TEXT = Pattern.compile("Could not parse text \"(.*)\" using");
    private static final Pattern LEXICAL_COLUMN = Pattern.compile("column (\\d+)");

    /** Field of the placeholder term that stands for the i-th has_checkpoint group while Lucene parses the rest. */
    private static final String GROUP_PLACEHOLDER = "_lifted";
    private static final Query CHECKPOINTS_ONLY = new TermQuery(new Term(Schema.DOC_TYPE, Schema.TYPE_CHECKPOINT));
    /** The run documents, which close each block; one instance so its per-segment bit sets are cached. */
    private static final BitSetProducer RUN_DOCS =
            new QueryBitSetProducer(new TermQuery(new Term(Schema.DOC_TYPE, Schema.TYPE_RUN)));

    private final Analyzer analyzer;

    RunQueryParser(Analyzer analyzer) {
        this.analyzer = analyzer;
    }

    /** The query for {@code text} over an index with these field kinds; blank text matches everything. */
    Query parse(String text, FieldKinds kinds) {
        if (text == null || text.isBlank()) return new MatchAllDocsQuery();
        List<CheckpointGroup> groups = CheckpointGroup.find(text);
        // each group becomes a placeholder of the same length, so positions in the rest of the text stay true
        StringBuilder outer = new StringBuilder(text);
        for (int i = 0; i < groups.size(); i++) {
            CheckpointGroup g = groups.get(i);
            String placeholder = GROUP_PLACEHOLDER + ":" + i;
            outer.replace(g.start(), g.end(), placeholder + " ".repeat(g.end() - g.start() - placeholder.length()));
        }
        Query runs = parseLucene(text, outer.toString(), 0, "query", kinds);
        List<Query> lifted = new ArrayList<>(groups.size());
        for (CheckpointGroup g : groups) lifted.add(checkpointCondition(text, g, kinds));
        return replacePlaceholders(runs, lifted);
    }

    /**
     * A numeric range as both a points query and a doc-values query: Lucene evaluates the points (building a bit
     * set of every match) when the range leads, and checks doc values of the few candidates when a more selective
     * clause leads, e.g. a range on the million checkpoint documents inside a has_checkpoint group next to a rare
     * key frequency.
     */
    private static Query indexOrDocValues(Query q, FieldKinds kinds) {
        if (!(q instanceof PointRangeQuery range) || range.getNumDims() != 1) return q;
        Schema.Kind kind = kinds.kind(range.getField()).orElse(null);
        long lower, upper;
        if (kind == Schema.Kind.LONG) {
            lower = LongPoint.decodeDimension(range.getLowerPoint(), 0);
            upper = LongPoint.decodeDimension(range.getUpperPoint(), 0);
        } else if (kind == Schema.Kind.DOUBLE) {
            lower = NumericUtils.doubleToSortableLong(DoublePoint.decodeDimension(range.getLowerPoint(), 0));
            upper = NumericUtils.doubleToSortableLong(DoublePoint.decodeDimension(range.getUpperPoint(), 0));
        } else {
            return q;
        }
        return new IndexOrDocValuesQuery(q, SortedNumericDocValuesField.newSlowRangeQuery(range.getField(), lower, upper));
    }

    /** The runs having a checkpoint on which the group's conditions hold together. */
    private Query checkpointCondition(String text, CheckpointGroup g, FieldKinds kinds) {
        String inner = text.substring(g.innerStart(), g.innerEnd());
        if (inner.isBlank()) {
            throw new QueryException("empty has_checkpoint:( ) at position " + g.start() + " in '" + text
                    + "': put checkpoint conditions inside, e.g. has_checkpoint:(test_loss:[0 TO 0.1])", g.start(), null);
        }
        Query conditions = parseLucene(text, inner, g.innerStart(), "has_checkpoint group", kinds);
        if (fieldsOf(conditions).contains(Schema.TEXT)) {
            throw new QueryException("a word without a field inside has_checkpoint:( ) at position " + g.innerStart()
                    + " in '" + text + "': checkpoint conditions name their field (step:, test_loss:, key_freqs:, ...)",
                    g.innerStart(), null);
        }
        Query children = new BooleanQuery.Builder()
                .add(conditions, Occur.MUST)
                .add(CHECKPOINTS_ONLY, Occur.FILTER)  // run documents carry the latest metrics too: never join them
                .build();
        return new ToParentBlockJoinQuery(children, RUN_DOCS, ScoreMode.None);
    }

    /** Parses {@code fragment}, which starts at {@code offset} of {@code text}; errors name positions in text. */
    private Query parseLucene(String text, String fragment, int offset, String context, FieldKinds kinds) {
        // StandardQueryParser keeps configuration state, so each parse gets its own (it is cheap to build)
        StandardQueryParser parser = new StandardQueryParser(analyzer);
        parser.setDefaultOperator(Operator.AND);
        parser.setAllowLeadingWildcard(true);
        Map<String, PointsConfig> points = new HashMap<>();
        for (String field : kinds.numericFields()) {
            Class<? extends Number> type = Schema.numericKind(field) == Schema.Kind.LONG ? Long.class : Double.class;
            points.put(field, new PointsConfig(ScientificNumberFormat.INSTANCE, type));
        }
        parser.setPointsConfigMap(points);
        try {
            return map(withPositiveClauses(parser.parse(fragment, Schema.TEXT)), leaf -> indexOrDocValues(leaf, kinds));
        } catch (QueryNodeException e) {
            throw translate(text, fragment, offset, context, e);
        } catch (RuntimeException e) {
            // Lucene's processors throw unchecked exceptions for some inputs; none may escape as a server error
            throw new QueryException("cannot parse query '" + text + "': " + e.getMessage(), -1, e);
        }
    }

    /** Puts the checkpoint conditions where their placeholder terms were. */
    private static Query replacePlaceholders(Query q, List<Query> lifted) {
        if (lifted.isEmpty()) return q;
        return map(q, leaf -> {
            if (!(leaf instanceof TermQuery t) || !t.getTerm().field().equals(GROUP_PLACEHOLDER)) return leaf;
            int group = placeholderNumber(t.getTerm().text());
            // a user who types the placeholder field finds nothing, as with any field the index does not have
            return group >= 0 && group < lifted.size() ? lifted.get(group) : leaf;
        });
    }

    /** The query with {@code leaves} applied to every clause that is not a boolean, boost or constant-score wrapper. */
    private static Query map(Query q, UnaryOperator<Query> leaves) {
        if (q instanceof BoostQuery b) return new BoostQuery(map(b.getQuery(), leaves), b.getBoost());
        if (q instanceof ConstantScoreQuery c) return new ConstantScoreQuery(map(c.getQuery(), leaves));
        if (!(q instanceof BooleanQuery bq)) return leaves.apply(q);
        BooleanQuery.Builder out = new BooleanQuery.Builder().setMinimumNumberShouldMatch(bq.getMinimumNumberShouldMatch());
        for (BooleanClause c : bq.clauses()) out.add(map(c.getQuery(), leaves), c.getOccur());
        return out.build();
    }

    private static int placeholderNumber(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Every field a query looks at. */
    static Set<String> fieldsOf(Query q) {
        Set<String> fields = new HashSet<>();
        q.visit(new QueryVisitor() {
            @Override
            public boolean acceptField(String field) {
                fields.add(field);
                return false;
            }

            @Override
            public QueryVisitor getSubVisitor(Occur occur, Query parent) {
                return this;  // look into MUST_NOT clauses too
            }
        });
        return fields;
    }

    /**
     * Lucene's BooleanQuery with only NOT clauses matches nothing; users mean "everything except", so such a query
     * (at any depth) gets a match-all clause.
     */
    static Query withPositiveClauses(Query q) {
        if (q instanceof BoostQuery b) return new BoostQuery(withPositiveClauses(b.getQuery()), b.getBoost());
        if (!(q instanceof BooleanQuery bq)) return q;
        BooleanQuery.Builder out = new BooleanQuery.Builder().setMinimumNumberShouldMatch(bq.getMinimumNumberShouldMatch());
        boolean positive = false;
        for (BooleanClause c : bq.clauses()) {
            out.add(withPositiveClauses(c.getQuery()), c.getOccur());
            positive |= c.getOccur() != BooleanClause.Occur.MUST_NOT;
        }
        if (!positive) out.add(new MatchAllDocsQuery(), BooleanClause.Occur.MUST);
        return out.build();
    }

    private static QueryException translate(String text, String fragment, int offset, String context,
                                            QueryNodeException e) {
        String where = " in '" + text + "'";
        if (e instanceof ParseException pe && pe.currentToken != null && pe.currentToken.next != null) {
            Token bad = pe.currentToken.next;
            int pos = offset + Math.min(Math.max(bad.beginColumn, 0), fragment.length());
            String what = bad.kind == 0 ? "unexpected end of " + context : "unexpected '" + bad.image + "'";
            return new QueryException(what + " at position " + pos + where + hint(bad), pos, e);
        }
        Message m = e.getMessageObject();
        String key = m == null ? "" : m.getKey();
        String detail = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage()
                : e.getLocalizedMessage();
        if ("COULD_NOT_PARSE_NUMBER".equals(key)) {
            Matcher nm = NUMBER_TEXT.matcher(e.getLocalizedMessage());
            String number = nm.find() ? nm.group(1) : "";
            int inFragment = number.isEmpty() ? -1 : fragment.indexOf(number);
            int pos = inFragment < 0 ? -1 : offset + inFragment;
            return new QueryException("'" + number + "' is not a number, but the field it is compared with is numeric"
                    + (pos >= 0 ? " (position " + pos + ")" : ""), pos, e);
        }
        Matcher lexical = LEXICAL_COLUMN.matcher(detail == null ? "" : detail);
        if (lexical.find()) {
            // the lexer counts columns from 1 and stops one past an unterminated quote or escape
            int pos = offset + Math.min(Integer.parseInt(lexical.group(1)) - 1, fragment.length());
            return new QueryException("unterminated quote or escape at position " + pos + where, pos, e);
        }
        return new QueryException("cannot parse query '" + text + "': " + e.getLocalizedMessage(), -1, e);
    }

    private static String hint(Token bad) {
        if (bad.kind == 0) return " (unclosed range, parenthesis or quote, or an operator without a right side?)";
        String image = bad.image == null ? "" : bad.image;
        if (image.equals("AND") || image.equals("OR")) return " (an operator needs a term on both sides)";
        if (image.equals(")")) return " (no matching '(')";
        return "";
    }
}
