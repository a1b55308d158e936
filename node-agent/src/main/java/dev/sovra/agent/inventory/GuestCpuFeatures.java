package dev.sovra.agent.inventory;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/**
 * The CPU features the hypervisor can give a guest, as libvirt says: the {@code host-model} CPU of the domain
 * capabilities for the node's domain type, expanded to every feature it has ({@code virsh hypervisor-cpu-baseline
 * --features}, since the host-model lists only the features beyond its named model). libvirt-java has no binding for
 * either call, hence virsh. When libvirt cannot say, a KVM node falls back to the host's {@code /proc/cpuinfo} flags
 * (KVM's host-model is the host CPU); any other node reports nothing, which the scheduler treats as unknown.
 */
public final class GuestCpuFeatures {
    private static final Logger log = LoggerFactory.getLogger(GuestCpuFeatures.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(60); // the first domcapabilities probes QEMU

    private GuestCpuFeatures() {}

    /**
     * @param hostFlags the host's {@code /proc/cpuinfo} flags, the fallback for KVM
     * @return the features, sorted; null when unknown
     */
    public static List<String> read(String libvirtUri, String domainType, Set<String> hostFlags) {
        try {
            Path capabilities = Files.createTempFile("sovra-domcapabilities-", ".xml");
            try {
                Files.writeString(capabilities, virsh(libvirtUri, "domcapabilities", "--virttype", domainType));
                List<String> features = requiredFeatures(virsh(libvirtUri, "hypervisor-cpu-baseline", "--features",
                        "--virttype", domainType, capabilities.toString()));
                if (!features.isEmpty()) {
                    return features;
                }
                log.warn("libvirt reported no guest CPU features domainType={}", domainType);
            } finally {
                Files.deleteIfExists(capabilities);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("cannot read guest CPU features from libvirt uri={} domainType={} error=\"{}\"", libvirtUri, domainType,
                    e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
        if ("kvm".equals(domainType) && !hostFlags.isEmpty()) {
            log.warn("guest CPU features taken from /proc/cpuinfo flags count={}", hostFlags.size());
            return List.copyOf(new TreeSet<>(hostFlags));
        }
        return null;
    }

    /** The names of the {@code require} features of a CPU definition, sorted ({@code disable} ones are absent). */
    static List<String> requiredFeatures(String cpuXml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            NodeList features = factory.newDocumentBuilder().parse(new InputSource(new StringReader(cpuXml)))
                    .getElementsByTagName("feature");
            TreeSet<String> names = new TreeSet<>();
            for (int i = 0; i < features.getLength(); i++) {
                Element feature = (Element) features.item(i);
                String policy = feature.getAttribute("policy");
                if (policy.isEmpty() || "require".equals(policy) || "force".equals(policy)) {
                    names.add(feature.getAttribute("name"));
                }
            }
            return List.copyOf(names);
        } catch (Exception e) {
            throw new IllegalStateException("unreadable CPU definition from libvirt: " + e.getMessage(), e);
        }
    }

    private static String virsh(String uri, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("virsh", "-q", "-c", uri));
        command.addAll(List.of(args));
        Path output = Files.createTempFile("sovra-virsh-", ".out"); // a file, so a hung virsh cannot block a reader
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile()).start();
            if (!process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + TIMEOUT);
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": " + text.strip());
            }
            return text;
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
