package org.dynalens.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.dynalens.archive.Archive;
import org.dynalens.archive.ArchiveException;
import org.dynalens.archive.RunArchive;
import org.dynalens.archive.RunInfo;
import org.dynalens.indexer.RunIndex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Changes to runs, all behind the bearer token ({@link TokenGuard}) and all needing a writable run index:
 * <ul>
 *   <li>{@code DELETE /api/runs/{id}[?force=true]}: removes the run's directory and its index entries. A run whose
 *       status is {@code running} is only deleted with {@code force=true}.</li>
 *   <li>{@code POST /api/runs/{id}/tags} with {@code {"add": [...], "remove": [...]}}: edits the run's tags.</li>
 *   <li>{@code PUT /api/runs/{id}/note} with {@code {"note": "..."}}: sets (or, when empty, clears) its note.</li>
 * </ul>
 * Tags and notes live in the run's summary (keys {@code tags} and {@code notes}, which the index makes searchable),
 * so the archive stays the source of truth and a reindex keeps them.
 */
final class RunMutationRoutes {

    static final int MAX_TAGS = 32;
    static final int MAX_NOTE_CHARS = 10_000;
    static final Pattern TAG = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:+-]{0,63}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Archive archive;
    private final RunIndex index;

    RunMutationRoutes(Archive archive, RunIndex index) {
        this.archive = archive;
        this.index = index;
    }

    void mount(Vertx vertx, Router router) {
        router.delete("/api/runs/:id").handler(OffEventLoop.json(vertx, this::delete));
        router.post("/api/runs/:id/tags").handler(OffEventLoop.json(vertx, this::tags));
        router.put("/api/runs/:id/note").handler(OffEventLoop.json(vertx, this::note));
    }

    // ---- DELETE -------------------------------------------------------------------------------------------------

    private Object delete(RoutingContext ctx) {
        RunArchive run = RequestParams.run(archive, ctx);
        boolean force = RequestParams.booleanParam(ctx, "force");
        RunIndex writable = writableIndex();
        synchronized (this) {
            if (!archive.hasRun(run.id())) throw ApiError.notFound("unknown run", "no run '" + run.id() + "'");
            Object status;
            try {
                status = run.info().summary().get("status");
            } catch (ArchiveException e) {
                status = null; // an unreadable run file must still be deletable
            }
            if ("running".equals(status) && !force) {
                throw new ApiError(409, "run is training", "run " + run.id() + " has status 'running'; stop it first, "
                        + "or add ?force=true if it is no longer training (e.g. it crashed)");
            }
            Path runsDir = archive.root().resolve("runs").normalize();
            Path dir = run.dir().toAbsolutePath().normalize();
            if (!runsDir.equals(dir.getParent())) { // RunId already guarantees this; never delete outside the archive
                throw new IllegalStateException("run directory " + dir + " is not inside " + runsDir);
            }
            // move aside first (one atomic rename: readers see the run or nothing), then forget, then delete files;
            // the name starts with '.', which is no valid run id, so the archive never lists it as a run
            Path trash = runsDir.resolve(".deleted-" + run.id() + "-" + System.nanoTime());
            try {
                Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
            } catch (AccessDeniedException e) {
                throw new ApiError(409, "cannot delete", "run " + run.id() + " is in use or not writable");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot move run " + run.id() + " aside: " + e.getMessage(), e);
            }
            writable.deleteRun(run.id());
            writable.commit();
            deleteTree(trash);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", run.id());
        body.put("deleted", true);
        return body;
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // the run is already gone from the archive's listing and the index; only disk space is left behind
            org.slf4j.LoggerFactory.getLogger(RunMutationRoutes.class).warn("could not delete {}: {}", root, e.getMessage());
        }
    }

    // ---- tags and notes -----------------------------------------------------------------------------------------

    private Object tags(RoutingContext ctx) {
        RunArchive run = RequestParams.run(archive, ctx);
        ObjectNode body = jsonObject(ctx, Set.of("add", "remove"));
        List<String> add = tagList(body, "add");
        List<String> remove = tagList(body, "remove");
        if (add.isEmpty() && remove.isEmpty()) {
            throw ApiError.badRequest("bad body", "give tags to add and/or remove: {\"add\": [\"grokked\"], \"remove\": []}");
        }
        RunIndex writable = writableIndex();
        List<String> tags;
        synchronized (this) {
            RunInfo info = run.info();
            Set<String> current = new LinkedHashSet<>(currentTags(info));
            current.addAll(add);
            current.removeAll(remove);
            if (current.size() > MAX_TAGS) {
                throw ApiError.badRequest("too many tags", "a run has at most " + MAX_TAGS + " tags; this would give it "
                        + current.size());
            }
            tags = new ArrayList<>(current);
            update(writable, run, info.withSummary(Map.of("tags", tags)));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", run.id());
        out.put("tags", tags);
        return out;
    }

    private Object note(RoutingContext ctx) {
        RunArchive run = RequestParams.run(archive, ctx);
        ObjectNode body = jsonObject(ctx, Set.of("note"));
        JsonNode note = body.get("note");
        if (note == null || !note.isTextual()) {
            throw ApiError.badRequest("bad body", "expected {\"note\": \"text\"} (an empty string clears the note)");
        }
        String text = note.asText().strip();
        if (text.length() > MAX_NOTE_CHARS) {
            throw ApiError.badRequest("note too long", "a note has at most " + MAX_NOTE_CHARS + " characters, got "
                    + text.length());
        }
        if (text.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\t')) {
            throw ApiError.badRequest("bad note", "a note may not contain control characters other than newline and tab");
        }
        RunIndex writable = writableIndex();
        synchronized (this) {
            update(writable, run, run.info().withSummary(Map.of("notes", text)));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", run.id());
        out.put("note", text);
        return out;
    }

    private static List<String> currentTags(RunInfo info) {
        Object tags = info.summary().get("tags");
        List<String> out = new ArrayList<>();
        if (tags instanceof List<?> list) {
            for (Object t : list) if (t != null) out.add(t.toString());
        } else if (tags != null) {
            out.add(tags.toString());
        }
        return out;
    }

    private static void update(RunIndex writable, RunArchive run, RunInfo info) {
        run.writeInfo(info);
        writable.indexRun(run);
        writable.commit();
    }

    // ---- request checks -----------------------------------------------------------------------------------------

    private RunIndex writableIndex() {
        return writable(index);
    }

    /** {@code index} when it can be written; 503 otherwise (shared by every route that changes runs). */
    static RunIndex writable(RunIndex index) {
        if (index == null || index.isReadOnly()) {
            throw new ApiError(503, "read-only server", "this server has " + (index == null ? "no run index open"
                    : "opened the run index read-only (another process, e.g. a training run, held its write lock at "
                    + "start-up)") + ", so runs cannot be changed now; restart `dynalens serve` when the index is free");
        }
        return index;
    }

    /** The request body as a JSON object with only the {@code allowed} keys; 415/400 otherwise. */
    static ObjectNode jsonObject(RoutingContext ctx, Set<String> allowed) {
        String type = ctx.request().getHeader("content-type");
        String mediaType = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase();
        if (!mediaType.equals("application/json")) {
            throw new ApiError(415, "unsupported media type", "send the body as JSON with 'Content-Type: application/json'");
        }
        String text = ctx.body() == null ? null : ctx.body().asString();
        if (text == null || text.isBlank()) throw ApiError.badRequest("bad body", "the request needs a JSON body");
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("bad JSON", "the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (!(node instanceof ObjectNode object)) throw ApiError.badRequest("bad body", "the body must be a JSON object");
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw ApiError.badRequest("bad body", "unknown field '" + clip(key) + "'; allowed: " + allowed);
            }
        }
        return object;
    }

    private static List<String> tagList(ObjectNode body, String key) {
        JsonNode node = body.get(key);
        if (node == null || node.isNull()) return List.of();
        if (!node.isArray()) throw ApiError.badRequest("bad body", "'" + key + "' must be an array of tags");
        if (node.size() > MAX_TAGS) throw ApiError.badRequest("too many tags", "'" + key + "' has more than " + MAX_TAGS);
        List<String> out = new ArrayList<>();
        for (JsonNode t : node) {
            if (!t.isTextual() || !TAG.matcher(t.asText()).matches()) {
                throw ApiError.badRequest("bad tag", "tags are 1-64 letters, digits, '.', '_', ':', '+' or '-', starting "
                        + "with a letter or digit; got " + clip(t.toString()));
            }
            out.add(t.asText());
        }
        return out;
    }

    private static String clip(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }
}
