package org.dynalens.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A tiny HTTP client for tests against a server on localhost. */
final class Http {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    Http(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    record Response(int status, String contentType, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (" + status + "): " + body, e);
            }
        }
    }

    /** GET a path exactly as written (percent-escapes are sent as they are). */
    Response get(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
    }

    /**
     * GET over a plain socket, for request targets {@link URI} refuses to build (e.g. {@code %ZZ}) but a
     * client can still send.
     */
    Response rawGet(String path) {
        URI uri = URI.create(base);
        try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + uri.getAuthority() + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String[] headAndBody = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                    .split("\r\n\r\n", 2);
            String[] head = headAndBody[0].split("\r\n");
            int status = Integer.parseInt(head[0].split(" ")[1]);
            String contentType = "";
            for (String h : head) {
                if (h.toLowerCase().startsWith("content-type:")) contentType = h.substring(13).trim();
            }
            return new Response(status, contentType, headAndBody.length > 1 ? headAndBody[1] : "");
        } catch (IOException e) {
            throw new AssertionError("request failed: " + e, e);
        }
    }

    Response post(String path, String body, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .header("content-type", "application/json");
        if (bearer != null) b.header("authorization", "Bearer " + bearer);
        return send(b);
    }

    /** Any method with an optional body, content type and bearer token (null leaves each out). */
    Response request(String method, String path, String body, String contentType, String bearer) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("content-type", contentType);
        if (bearer != null) b.header("authorization", "Bearer " + bearer);
        return send(b);
    }

    String base() {
        return base;
    }

    private Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = client.send(request.timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Response(r.statusCode(), r.headers().firstValue("content-type").orElse(""), r.body());
        } catch (IOException e) {
            throw new AssertionError("request failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
