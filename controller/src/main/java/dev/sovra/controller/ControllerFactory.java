package dev.sovra.controller;

import dev.sovra.controller.compute.ComputeCatalog;
import dev.sovra.controller.compute.HostableSkus;
import dev.sovra.controller.compute.InstanceService;
import dev.sovra.controller.network.NetworkReconciler;
import dev.sovra.controller.node.AgentGateway;
import dev.sovra.controller.node.CapacityPolicy;
import dev.sovra.controller.node.EnrolmentService;
import dev.sovra.controller.node.EnrolmentTokenRecord;
import dev.sovra.controller.node.NodeRegistry;
import dev.sovra.controller.reconcile.InstanceReconciler;
import dev.sovra.controller.resource.ResourceService;
import dev.sovra.controller.reconcile.InstanceStatusUpdater;
import dev.sovra.controller.scheduler.PlacementPolicy;
import dev.sovra.controller.scheduler.PlacementWorkers;
import dev.sovra.controller.scheduler.Scheduler;
import dev.sovra.controller.storage.ImageRecord;
import dev.sovra.controller.storage.StorageReconciler;
import dev.sovra.controller.storage.VolumeRecord;
import dev.sovra.controller.store.MvStateStore;
import dev.sovra.controller.store.Repository;
import dev.sovra.controller.store.StateStore;
import dev.sovra.hardware.ProfileCatalog;
import dev.sovra.model.Instance;
import dev.sovra.model.KernelBoot;
import dev.sovra.model.Node;
import dev.sovra.transport.pki.ClusterCa;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Wires the controller's plain-Java core from configuration; no framework types leak past here. */
@Factory
final class ControllerFactory {

    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }

    @Singleton
    @Bean(preDestroy = "close")
    StateStore stateStore(@Value("${sovra.data-dir}") Path dataDir) {
        return MvStateStore.open(dataDir.resolve("state.mv.db"));
    }

    @Singleton
    Repository<Instance> instances(StateStore store) {
        return Repository.decodeCached(store, "instances", Instance.class); // every reconcile pass lists them all
    }

    @Singleton
    ComputeCatalog computeCatalog(@Value("${sovra.region}") String region, @Value("${sovra.zones}") List<String> zones,
                                  List<CatalogProperties.SkuProperties> skus,
                                  List<CatalogProperties.BootImageProperties> bootImages,
                                  List<CatalogProperties.StorageSkuProperties> storageSkus,
                                  List<CatalogProperties.NetworkSkuProperties> networkSkus) {
        Map<String, ComputeCatalog.Sku> skuMap = skus.stream().collect(Collectors.toMap(CatalogProperties.SkuProperties::getName,
                s -> new ComputeCatalog.Sku(s.getName(), s.getVcpu(), s.getRam(), s.getCpuFeatures())));
        Map<String, KernelBoot> images = bootImages.stream().collect(Collectors.toMap(
                CatalogProperties.BootImageProperties::getName,
                b -> new KernelBoot(b.getKernel(), b.getInitrd(), b.getCmdline())));
        List<ComputeCatalog.CatalogSku> storage = storageSkus.stream().map(s -> new ComputeCatalog.CatalogSku(s.getName(),
                ComputeCatalog.tierLabels(s.getName()),
                Map.<String, Object>of("iops", s.getIops(), "type", s.getType(), "minVolumeSize", s.getMinVolumeSize()))).toList();
        List<ComputeCatalog.CatalogSku> network = networkSkus.stream().map(s -> new ComputeCatalog.CatalogSku(s.getName(),
                ComputeCatalog.tierLabels(s.getName()),
                Map.<String, Object>of("bandwidth", s.getBandwidth(), "packets", s.getPackets()))).toList();
        return new ComputeCatalog(region, zones, HostableSkus.filter(skuMap, ProfileCatalog.builtin().profiles()), images, storage,
                network);
    }

    @Singleton
    CapacityPolicy capacityPolicy(@Value("${sovra.capacity.cpu-overcommit:4.0}") double cpu,
                                  @Value("${sovra.capacity.memory-overcommit:1.0}") double memory,
                                  @Value("${sovra.capacity.reserved-memory-mib:1024}") long reservedMemoryMiB) {
        Map<String, CapacityPolicy.Ratios> byProfile = new HashMap<>();
        ProfileCatalog.builtin().profiles().forEach(profile -> byProfile.put(profile.name(),
                new CapacityPolicy.Ratios(profile.overcommit().cpuRatio(), profile.overcommit().memoryRatio())));
        return new CapacityPolicy(new CapacityPolicy.Ratios(cpu, memory), byProfile, reservedMemoryMiB);
    }

    @Singleton
    NodeRegistry nodeRegistry(StateStore store, CapacityPolicy capacityPolicy, Clock clock) {
        // Every full pass lists the nodes twice (the pass, the unreachable report): decoding their inventories each
        // time was most of a pass under a burst of PUTs with 100 agents.
        return new NodeRegistry(Repository.decodeCached(store, "nodes", Node.class), capacityPolicy, clock);
    }

    @Singleton
    ClusterCa clusterCa(@Value("${sovra.data-dir}") Path dataDir) {
        return ClusterCa.loadOrCreate(dataDir.resolve("pki"));
    }

    @Singleton
    EnrolmentService enrolmentService(StateStore store, ClusterCa ca, Clock clock,
                                      @Value("${sovra.transport.node-certificate-validity:365d}") Duration validity) {
        return new EnrolmentService(new Repository<>(store, "enrolment-tokens", EnrolmentTokenRecord.class), ca, validity, clock);
    }

    @Singleton
    @Bean(preDestroy = "close")
    InstanceReconciler instanceReconciler(Repository<Instance> instances, StorageReconciler storage, NetworkReconciler network,
                                          NodeRegistry nodes, ComputeCatalog catalog, Clock clock,
                                          @Value("${sovra.reconcile.resync-period:2s}") Duration resync,
                                          @Value("${sovra.reconcile.unreachable-after:30s}") Duration unreachableAfter,
                                          @Value("${sovra.reconcile.full-pass-period:30s}") Duration fullPassPeriod,
                                          @Value("${sovra.scheduler.workers:2}") int workers,
                                          @Value("${sovra.scheduler.plan-size:16}") int planSize,
                                          @Value("${sovra.scheduler.policy:spread}") String policy) {
        InstanceReconciler reconciler = new InstanceReconciler(instances, storage, network, nodes,
                Scheduler.standard(PlacementPolicy.parse(policy)),
                new PlacementWorkers(workers, planSize, PlacementWorkers.DEFAULT_MAX_ATTEMPTS),
                sku -> catalog.sku(sku).map(s -> Set.copyOf(s.cpuFeatures())).orElse(Set.of()), clock, resync, unreachableAfter,
                fullPassPeriod);
        storage.attach(reconciler);
        return reconciler;
    }

    @Singleton
    StorageReconciler storageReconciler(StateStore store, ResourceService resources, ComputeCatalog catalog, Clock clock,
                                        @Value("${sovra.storage.remote-backend:local}") String remoteBackend) {
        return new StorageReconciler(Repository.decodeCached(store, "volumes", VolumeRecord.class),
                Repository.decodeCached(store, "image-data", ImageRecord.class), resources, catalog, remoteBackend, clock);
    }

    @Singleton
    InstanceStatusUpdater instanceStatusUpdater(Repository<Instance> instances, InstanceReconciler reconciler, Clock clock) {
        return new InstanceStatusUpdater(instances, reconciler, clock);
    }

    @Singleton
    AgentGateway agentGateway(NodeRegistry nodes, InstanceStatusUpdater updater, StorageReconciler storage,
                              NetworkReconciler network, InstanceReconciler reconciler,
                              @Value("${sovra.transport.heartbeat-interval:1s}") Duration heartbeatInterval,
                              @Value("${sovra.transport.request-timeout:30s}") Duration requestTimeout) {
        return new AgentGateway(nodes, updater, storage, network, reconciler, heartbeatInterval, requestTimeout);
    }

    @Singleton
    ResourceService resourceService(StateStore store, ComputeCatalog catalog, Clock clock) {
        return new ResourceService(store, catalog.region(), clock);
    }

    @Singleton
    InstanceService instanceService(Repository<Instance> instances, ResourceService resources, ComputeCatalog catalog,
                                    StorageReconciler storage, InstanceReconciler reconciler, Clock clock,
                                    @Value("${sovra.compute.boot-image:sovra-test-guest}") String bootImage) {
        KernelBoot bootLoader = catalog.bootImage(bootImage).orElseThrow(() -> new IllegalStateException(
                "sovra.compute.boot-image names " + bootImage + ", which is not among sovra.boot-images"));
        return new InstanceService(instances, resources, storage, catalog, bootLoader, reconciler, clock);
    }
}
