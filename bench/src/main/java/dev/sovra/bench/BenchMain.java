package dev.sovra.bench;

import java.util.Arrays;
import java.util.List;

/**
 * {@code java -jar sovra-bench.jar scheduler --nodes N [--mode plan-apply --workers W] | transport --agents N |
 * e2e --agents N --instances M [--kill sigkill|sigstop] | memory --agents 1,1000,2000,4000}; last line is a key=value summary.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] argv) throws Exception {
        // Before any logger exists: the controller jar on the classpath brings its own logback.xml.
        System.setProperty("logback.configurationFile", "sovra-bench-logback.xml");
        if (argv.length == 0) {
            usage();
            System.exit(2);
        }
        Args args = new Args(List.copyOf(Arrays.asList(argv).subList(1, argv.length)));
        switch (argv[0]) {
            case "scheduler" -> SchedulerBench.run(args);
            case "reconcile" -> ReconcileBench.run(args);
            case "transport" -> TransportBench.run(args);
            case "e2e" -> E2eBench.run(args);
            case "memory" -> MemoryBench.run(args);
            case "message-size" -> MessageSizeBench.run(args);
            case "clone" -> System.exit(CloneBench.run(Arrays.copyOfRange(argv, 1, argv.length)));
            case "volume-write" -> System.exit(VolumeWriteBench.run(Arrays.copyOfRange(argv, 1, argv.length)));
            default -> {
                usage();
                System.exit(2);
            }
        }
        System.exit(0);
    }

    private static void usage() {
        System.err.println("""
                usage: bench scheduler [--nodes N] [--scheduler standard|exhaustive] [--policy spread|binpack]
                                       [--fill F] [--gc] [--iterations I] [--warmup-iterations W]
                       bench scheduler --mode plan-apply [--nodes N] [--workers W] [--plan-size P]
                                       [--policy spread|binpack] [--fill F]
                                       [--warmup-seconds W] [--seconds D]
                       bench reconcile [--instances N] [--nodes M] [--passes P]
                       bench transport [--agents N] [--mode request|oneway] [--in-flight T] [--specs S]
                                       [--agents-jvm separate|same]
                                       [--io-threads I] [--handler-threads H]
                                       [--warmup-seconds W] [--seconds D]
                       bench e2e [--agents N] [--instances M] [--clients C] [--controller-dir DIR]
                                 [--controller-heap 1g] [--controller-jvm "OPTS"] [--timeout-seconds S]
                                 [--kill sigkill|sigstop] [--keep]
                       bench memory [--agents 1,1000,2000,4000] [--instances 0,1000,4000] [--agent-threads 2]
                                    [--controller-heap 512m] [--controller-jvm "OPTS"] [--controller-env "K=V"]
                                    [--nmt summary|off]
                                    [--settle-seconds 5] [--histograms DIR] [--keep]
                       bench message-size [--instances 1,100,500,1000]
                       bench clone [--backend local|ceph] [--runs N] [--state-dir DIR]
                                   [--pool P --user U --conf F --keyring F]
                       bench volume-write [--backend local|ceph] [--runs N] [--mib M] [--guest DIR]""");
    }
}
