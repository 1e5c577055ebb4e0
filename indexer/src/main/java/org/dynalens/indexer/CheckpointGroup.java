package org.dynalens.indexer;

import java.util.ArrayList;
import java.util.List;

/**
 * One {@code has_checkpoint:( ... )} group in a query text: where it starts ({@code h}), where its conditions start
 * and end (inside the parentheses), and where it ends (one past the closing parenthesis).
 *
 * <p>The scanner knows just enough of the Lucene syntax to find the matching parenthesis: it skips quoted phrases,
 * backslash escapes and {@code /regular expressions/}, whose parentheses are not grouping. Everything else is left
 * to Lucene's parser, which reports its own errors.
 */
record CheckpointGroup(int start, int innerStart, int innerEnd, int end) {

    private static final String PREFIX = Schema.HAS_CHECKPOINT;

    /** The groups of {@code text}, in order. */
    static List<CheckpointGroup> find(String text) {
        List<CheckpointGroup> groups = new ArrayList<>();
        int n = text.length();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\\') {
                i += 2;
            } else if (c == '"') {
                i = skipQuoted(text, i, '"');
            } else if (c == '/' && startsTerm(text, i, true)) {
                i = skipQuoted(text, i, '/');
            } else if (c == 'h' && startsTerm(text, i, false) && text.startsWith(PREFIX + ":", i)) {
                CheckpointGroup g = group(text, i);
                groups.add(g);
                i = g.end();
            } else {
                i++;
            }
        }
        return groups;
    }

    /** The group whose {@code has_checkpoint:} starts at {@code start}. */
    private static CheckpointGroup group(String text, int start) {
        int open = start + PREFIX.length() + 1;
        while (open < text.length() && Character.isWhitespace(text.charAt(open))) open++;
        if (open >= text.length() || text.charAt(open) != '(') {
            throw new QueryException("has_checkpoint at position " + start + " in '" + text + "' needs its conditions "
                    + "in parentheses, e.g. has_checkpoint:(test_loss:[0 TO 0.1] AND step:[0 TO 10000])",
                    Math.min(open, text.length()), null);
        }
        int depth = 0;
        int i = open;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '\\') {
                i += 2;
                continue;
            }
            if (c == '"') {
                i = skipQuoted(text, i, '"');
                continue;
            }
            if (c == '/' && startsTerm(text, i, true)) {
                i = skipQuoted(text, i, '/');
                continue;
            }
            if (c == 'h' && startsTerm(text, i, false) && text.startsWith(PREFIX + ":", i)) {
                throw new QueryException("has_checkpoint at position " + i + " in '" + text + "' is inside another "
                        + "has_checkpoint group: groups do not nest (one group already means one checkpoint)", i, null);
            }
            if (c == '(') depth++;
            if (c == ')' && --depth == 0) return new CheckpointGroup(start, open + 1, i, i + 1);
            i++;
        }
        throw new QueryException("the '(' of has_checkpoint at position " + open + " in '" + text + "' is never closed",
                open, null);
    }

    /** Index just past the closing {@code quote} of the quoted span opening at {@code i} (or the end of text). */
    private static int skipQuoted(String text, int i, char quote) {
        int j = i + 1;
        while (j < text.length()) {
            char c = text.charAt(j);
            if (c == '\\') {
                j += 2;
            } else if (c == quote) {
                return j + 1;
            } else {
                j++;
            }
        }
        return text.length();  // unterminated: Lucene's parser reports it with its position
    }

    /** Whether a term can start at {@code i}: after whitespace, an operator or a parenthesis (or a ':' if asked). */
    private static boolean startsTerm(String text, int i, boolean afterColon) {
        if (i == 0) return true;
        char p = text.charAt(i - 1);
        return Character.isWhitespace(p) || p == '(' || p == ')' || p == '+' || p == '-' || p == '!'
                || (afterColon && p == ':');
    }
}
