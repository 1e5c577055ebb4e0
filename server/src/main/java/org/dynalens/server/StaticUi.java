package org.dynalens.server;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The web UI: pages and scripts from {@code webroot/} on the classpath, and uPlot from its webjar at
 * {@code /vendor/uplot/} (no CDN: the UI works offline and on an air-gapped machine).
 */
final class StaticUi {

    static final String UPLOT_PREFIX = "/vendor/uplot/";

    private StaticUi() {
    }

    static void mount(Router router) {
        router.route(UPLOT_PREFIX + "*").handler(StaticHandler.create(uplotDir()).setMaxAgeSeconds(86_400));
        // the app's own files change with each release and are tiny: always revalidate
        router.route("/*").handler(StaticHandler.create("webroot").setCachingEnabled(false).setDirectoryListing(false));
    }

    /** The webjar's dist directory; its version comes from the webjar itself so a dependency bump needs no edit. */
    static String uplotDir() {
        String version = "1.6.30";
        try (InputStream in = StaticUi.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.webjars.npm/uplot/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                version = p.getProperty("version", version);
            }
        } catch (IOException ignored) {
            // keep the default version
        }
        return "META-INF/resources/webjars/uplot/" + version + "/dist";
    }
}
