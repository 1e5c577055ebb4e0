package org.dynalens.indexer;

import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.index.Term;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RunQueryParserTest {

    private final RunQueryParser parser = new RunQueryParser(Schema.analyzer());

    @Test
    void rangesOnNumericFieldsArePointQueries() {
        FieldKinds kinds = new FieldKinds();
        kinds.claim("lr", Schema.Kind.DOUBLE);
        kinds.claim("seed", Schema.Kind.LONG);
        assertEquals("lr:[1.0E-4 TO 0.001]", parser.parse("lr:[1e-4 TO 1e-3]", kinds).toString());
        assertTrue(parser.parse("lr:[1e-4 TO 1e-3]", kinds) instanceof org.apache.lucene.search.PointRangeQuery);
        assertEquals("seed:[3 TO 3]", parser.parse("seed:3", kinds).toString());
        // an unknown field is compared as a string, which is why the parser must know the numeric fields
        assertEquals("other:[1e-4 TO 1e-3]", parser.parse("other:[1e-4 TO 1e-3]", kinds).toString());
    }

    @Test
    void keywordFieldsAreNotTokenisedButTextIs() {
        FieldKinds kinds = new FieldKinds();
        assertEquals("task:mod-add", parser.parse("task:mod-add", kinds).toString());
        assertEquals("task:Mod*", parser.parse("task:Mod*", kinds).toString(), "keyword wildcards keep their case");
        assertEquals("+text:clean +text:grokking", parser.parse("Clean grokking", kinds).toString());
    }

    @Test
    void purelyNegativeQueriesMatchEverythingElse() {
        Query q = RunQueryParser.withPositiveClauses(new BooleanQuery.Builder()
                .add(new TermQuery(new Term("task", "x")), Occur.MUST_NOT).build());
        BooleanQuery bq = (BooleanQuery) q;
        assertTrue(bq.clauses().stream().anyMatch(c -> c.getQuery() instanceof MatchAllDocsQuery
                && c.getOccur() == Occur.MUST));
        Query nested = parser.parse("(NOT task:x) OR tag:y", new FieldKinds());
        assertTrue(nested.toString().contains("*:*"), nested.toString());
    }
}
