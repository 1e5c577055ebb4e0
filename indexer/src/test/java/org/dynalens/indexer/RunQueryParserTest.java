package org.dynalens.indexer;

import org.apache.lucene.document.SortedNumericDocValuesField;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.IndexOrDocValuesQuery;
import org.apache.lucene.util.NumericUtils;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.join.ToParentBlockJoinQuery;
import org.apache.lucene.index.Term;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class RunQueryParserTest {

    private final RunQueryParser parser = new RunQueryParser(Schema.analyzer());

    @Test
    void rangesOnNumericFieldsArePointQueries() {
        FieldKinds kinds = new FieldKinds();
        kinds.claim("lr", Schema.Kind.DOUBLE);
        kinds.claim("seed", Schema.Kind.LONG);
        // points when the range leads, doc values when a more selective clause leads
        IndexOrDocValuesQuery lr = (IndexOrDocValuesQuery) parser.parse("lr:[1e-4 TO 1e-3]", kinds);
        assertEquals("lr:[1.0E-4 TO 0.001]", lr.getIndexQuery().toString());
        assertTrue(lr.getIndexQuery() instanceof org.apache.lucene.search.PointRangeQuery);
        assertEquals(SortedNumericDocValuesField.newSlowRangeQuery("lr", NumericUtils.doubleToSortableLong(1e-4),
                NumericUtils.doubleToSortableLong(1e-3)), lr.getRandomAccessQuery());
        IndexOrDocValuesQuery seed = (IndexOrDocValuesQuery) parser.parse("seed:3", kinds);
        assertEquals("seed:[3 TO 3]", seed.getIndexQuery().toString());
        assertEquals(SortedNumericDocValuesField.newSlowRangeQuery("seed", 3, 3), seed.getRandomAccessQuery());
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
    void hasCheckpointGroupsBecomeBlockJoinsOverCheckpointDocuments() {
        FieldKinds kinds = new FieldKinds();
        kinds.claim("test_loss", Schema.Kind.DOUBLE);
        kinds.claim("step", Schema.Kind.LONG);
        Query q = parser.parse("task:mod-add AND has_checkpoint:(test_loss:[0 TO 1e-1] AND step:[0 TO 10000])", kinds);
        BooleanQuery bq = (BooleanQuery) q;
        assertEquals(2, bq.clauses().size());
        ToParentBlockJoinQuery join = (ToParentBlockJoinQuery) bq.clauses().get(1).getQuery();
        String children = join.getChildQuery().toString();
        assertTrue(children.contains("test_loss:[0.0 TO 0.1]"), children);
        assertTrue(children.contains("step:[0 TO 10000]"), children);
        assertTrue(children.contains("#doc_type:checkpoint"), children);
        assertTrue(parser.parse("NOT has_checkpoint:(step:1)", kinds).toString().contains("-ToParentBlockJoinQuery"));
    }

    @Test
    void groupsAreFoundOutsidePhrasesRegexesAndEscapes() {
        assertEquals(List.of(new CheckpointGroup(4, 20, 26, 27)), CheckpointGroup.find("a:b has_checkpoint:(step:1)"));
        assertEquals(List.of(new CheckpointGroup(0, 17, 23, 24)), CheckpointGroup.find("has_checkpoint: (x:/(/ )"),
                "a regular expression's parenthesis is not grouping");
        assertEquals(List.of(), CheckpointGroup.find("\"has_checkpoint:(x)\""));
        assertEquals(List.of(), CheckpointGroup.find("xhas_checkpoint:(x)"), "only at the start of a term");
        assertEquals(List.of(), CheckpointGroup.find("has_checkpoint"), "a bare word");
        assertEquals(2, CheckpointGroup.find("has_checkpoint:(a:\\)) OR -has_checkpoint:((a:1 OR a:2) b:\")\")").size());
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
