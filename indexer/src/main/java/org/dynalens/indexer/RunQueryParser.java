package org.dynalens.indexer;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.queryparser.flexible.core.QueryNodeException;
import org.apache.lucene.queryparser.flexible.messages.Message;
import org.apache.lucene.queryparser.flexible.standard.StandardQueryParser;
import org.apache.lucene.queryparser.flexible.standard.config.PointsConfig;
import org.apache.lucene.queryparser.flexible.standard.config.StandardQueryConfigHandler.Operator;
import org.apache.lucene.queryparser.flexible.standard.parser.ParseException;
import org.apache.lucene.queryparser.flexible.standard.parser.Token;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the Lucene query syntax users type: {@code task:mod-add AND test_loss:[0 TO 0.1]}, {@code lr:[1e-4 TO
 * 1e-3]}, {@code seed:3}, {@code lr<1e-3}, {@code task:mod*}, {@code NOT status:failed}, parentheses. Terms without a
 * field search the text of id, task, status, tags and notes. Terms are combined with AND unless OR is written.
 *
 * <p>Numeric fields are those the index holds as points, so a range on them is numeric (without that, Lucene
 * would silently compare strings). Every failure becomes a {@link QueryException} with a short message and, where
 * known, the character position.
 */
final class RunQueryParser {

    private static final Pattern NUMBER_TEXT = Pattern.compile("Could not parse text \"(.*)\" using");
    private static final Pattern LEXICAL_COLUMN = Pattern.compile("column (\\d+)");

    private final Analyzer analyzer;

    RunQueryParser(Analyzer analyzer) {
        this.analyzer = analyzer;
    }

    /** The query for {@code text} over an index with these field kinds; blank text matches everything. */
    Query parse(String text, FieldKinds kinds) {
        if (text == null || text.isBlank()) return new MatchAllDocsQuery();
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
            return withPositiveClauses(parser.parse(text, Schema.TEXT));
        } catch (QueryNodeException e) {
            throw translate(text, e);
        } catch (RuntimeException e) {
            // Lucene's processors throw unchecked exceptions for some inputs; none may escape as a server error
            throw new QueryException("cannot parse query '" + text + "': " + e.getMessage(), -1, e);
        }
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

    private static QueryException translate(String text, QueryNodeException e) {
        if (e instanceof ParseException pe && pe.currentToken != null && pe.currentToken.next != null) {
            Token bad = pe.currentToken.next;
            int pos = Math.min(Math.max(bad.beginColumn, 0), text.length());
            String what = bad.kind == 0 ? "unexpected end of query" : "unexpected '" + bad.image + "'";
            return new QueryException(what + " at position " + pos + " in '" + text + "'" + hint(bad), pos, e);
        }
        Message m = e.getMessageObject();
        String key = m == null ? "" : m.getKey();
        String detail = e.getCause() != null && e.getCause().getMessage() != null ? e.getCause().getMessage()
                : e.getLocalizedMessage();
        if ("COULD_NOT_PARSE_NUMBER".equals(key)) {
            Matcher nm = NUMBER_TEXT.matcher(e.getLocalizedMessage());
            String number = nm.find() ? nm.group(1) : "";
            int pos = number.isEmpty() ? -1 : text.indexOf(number);
            return new QueryException("'" + number + "' is not a number, but the field it is compared with is numeric"
                    + (pos >= 0 ? " (position " + pos + ")" : ""), pos, e);
        }
        Matcher lexical = LEXICAL_COLUMN.matcher(detail == null ? "" : detail);
        if (lexical.find()) {
            // the lexer counts columns from 1 and stops one past an unterminated quote or escape
            int pos = Math.min(Integer.parseInt(lexical.group(1)) - 1, text.length());
            return new QueryException("unterminated quote or escape at position " + pos + " in '" + text + "'", pos, e);
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
