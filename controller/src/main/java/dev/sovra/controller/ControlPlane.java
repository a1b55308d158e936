package dev.sovra.controller;

import dev.sovra.controller.node.AgentGateway;
import dev.sovra.controller.node.EnrolmentService;
import dev.sovra.controller.node.NodeRegistry;
import dev.sovra.controller.reconcile.InstanceReconciler;
import dev.sovra.transport.TransportServer;
import dev.sovra.transport.pki.ClusterCa;
import dev.sovra.transport.pki.Credentials;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the controller's background machinery with the application: the agent transport and the
 * reconcile loop. Node liveness restarts from "down" because no agent is connected yet.
 */
@Context
final class ControlPlane {
    private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);

    private final NodeRegistry nodes;
    private final InstanceReconciler reconciler;
    private final AgentGateway gateway;
    private final EnrolmentService enrolment;
    private final ClusterCa ca;
    private final TransportSettings settings;
    private TransportServer server;

    ControlPlane(NodeRegistry nodes, InstanceReconciler reconciler, AgentGateway gateway, EnrolmentService enrolment,
                 ClusterCa ca, TransportSettings settings) {
        this.nodes = nodes;
        this.reconciler = reconciler;
        this.gateway = gateway;
        this.enrolment = enrolment;
        this.ca = ca;
        this.settings = settings;
    }

    @PostConstruct
    void start() throws Exception {
        nodes.markAllDown("controller restarted");
        reconciler.start(gateway);
        Credentials serverCredentials = ca.issueServerCredentials(serverNames(), settings.serverAddresses());
        server = TransportServer.builder()
                .bindHost(settings.host())
                .agentPort(settings.port())
                .enrolPort(settings.enrolPort())
                .credentials(serverCredentials)
                .heartbeatInterval(settings.heartbeatInterval())
                .heartbeatTimeout(settings.heartbeatTimeout())
                .agentHandler(gateway)
                .enrolmentHandler(enrolment)
                .build();
        server.start();
        log.info("agent transport listening host={} agentPort={} enrolPort={} caFingerprint={}", settings.host(),
                server.agentPort(), server.enrolPort(), ca.fingerprintSha256());
    }

    private List<String> serverNames() {
        List<String> names = new ArrayList<>(List.of("localhost"));
        try {
            names.add(InetAddress.getLocalHost().getHostName());
        } catch (UnknownHostException e) {
            log.warn("host name unknown; server certificate carries only configured names", e);
        }
        names.addAll(settings.serverNames());
        return names;
    }

    @PreDestroy
    void stop() {
        if (server != null) {
            server.close();
        }
        reconciler.close();
    }

    /** Where the agent transport listens and how it times heartbeats. */
    @jakarta.inject.Singleton
    record TransportSettings(
            @Value("${sovra.transport.host:0.0.0.0}") String host,
            @Value("${sovra.transport.port:9443}") int port,
            @Value("${sovra.transport.enrol-port:9444}") int enrolPort,
            @Value("${sovra.transport.heartbeat-interval:1s}") Duration heartbeatInterval,
            @Value("${sovra.transport.heartbeat-timeout:5s}") Duration heartbeatTimeout,
            @Value("${sovra.transport.server-names:}") List<String> serverNames,
            @Value("${sovra.transport.server-addresses:127.0.0.1}") List<String> serverAddresses) {}
}
