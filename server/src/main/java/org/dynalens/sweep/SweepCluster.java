package org.dynalens.sweep;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The clustered Vert.x event bus that a distributed sweep's coordinator and workers share: Hazelcast restricted to
 * this machine (members found over TCP/IP on 127.0.0.1 only, multicast off, no phone-home, ports 5701-5720) and
 * the event bus bound to 127.0.0.1. Processes join the same sweep by using the same cluster name, so different
 * sweeps (or tests) on one machine never see each other.
 */
public final class SweepCluster {

    /** Default Hazelcast cluster name of {@code sweep --distributed} and {@code worker}. */
    public static final String DEFAULT_NAME = "dynalens-sweep";
    static final int FIRST_PORT = 5701, PORT_COUNT = 20;

    private SweepCluster() {
    }

    /** Event-bus address of one of the coordinator's services ({@code claim}, {@code heartbeat}, {@code done}). */
    static String address(String clusterName, String service) {
        return "dynalens.sweep." + clusterName + "." + service;
    }

    static Config hazelcast(String clusterName) {
        Config c = ConfigUtil.loadConfig(); // keeps the map settings Vert.x needs (__vertx.subs, ...)
        c.setClusterName(clusterName);
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.wait.seconds.before.join", "0");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", "15");
        NetworkConfig net = c.getNetworkConfig();
        net.setPort(FIRST_PORT).setPortAutoIncrement(true).setPortCount(PORT_COUNT);
        net.getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true);
        for (int port = FIRST_PORT; port < FIRST_PORT + PORT_COUNT; port++) join.getTcpIpConfig().addMember("127.0.0.1:" + port);
        return c;
    }

    /** Starts a clustered Vert.x on the loopback cluster {@code clusterName}; a clear error if it cannot. */
    static Vertx join(String clusterName) {
        System.setProperty("hazelcast.phone.home.enabled", "false");
        System.setProperty("hazelcast.logging.type", "slf4j"); // before Hazelcast's first log line, which is read once
        // Hazelcast's start-up notes (e.g. the java-module access hint) would bury the sweep's own lines; errors stay
        if (System.getProperty("org.slf4j.simpleLogger.log.com.hazelcast") == null) {
            System.setProperty("org.slf4j.simpleLogger.log.com.hazelcast", "error");
        }
        VertxOptions options = new VertxOptions().setEventBusOptions(new EventBusOptions()
                .setHost("127.0.0.1").setClusterPublicHost("127.0.0.1").setPort(0));
        try {
            return Vertx.builder().with(options).withClusterManager(new HazelcastClusterManager(hazelcast(clusterName)))
                    .buildClustered().toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while joining cluster " + clusterName, e);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new IllegalStateException("cannot join cluster " + clusterName + " on 127.0.0.1: " + cause.getMessage(), e);
        }
    }

    static void close(Vertx vertx) {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // leaving the cluster is best effort; the process ends anyway
        }
    }
}
