package dev.sovra.agent.hypervisor.libvirt;

import dev.sovra.agent.storage.DiskSource;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.KernelBoot;
import dev.sovra.model.NicSpec;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * Renders the libvirt domain XML of an instance: a pure function of the {@link InstanceSpec}, the driver
 * configuration and the restart generation already carried out. Built with DOM, so every value is escaped.
 *
 * <p>Shape: name {@code sovra-<uid>}, UUID = uid, Sovra ownership metadata, vCPUs, memory, ACPI + APIC,
 * direct kernel boot when the spec has a {@link KernelBoot} (else boot from the first disk), one virtio disk
 * per attached volume in attachment order (vda, vdb, ...: a qcow2 file of the local backend, or an RBD image
 * reached through librbd with cephx, its key in a libvirt secret), one Open vSwitch bridge port per NIC (virtio), the serial
 * console appended to {@code <instance dir>/console.log}, {@code on_reboot} restart, {@code on_poweroff} and
 * {@code on_crash} destroy, and no memory balloon.
 */
public final class DomainXml {

    /** Prefix of every domain name the driver defines. */
    public static final String NAME_PREFIX = "sovra-";

    private DomainXml() {
    }

    /** libvirt domain name of an instance. */
    public static String domainName(String uid) {
        return NAME_PREFIX + uid;
    }

    /**
     * The domain XML for {@code spec}.
     *
     * @param appliedRestartGeneration the restart generation to record as carried out (for an existing domain
     *     the one in its metadata, for a new one the spec's)
     * @param diskSources where each of {@code spec.disks()} comes from, in the same order
     */
    public static String render(InstanceSpec spec, LibvirtDriverConfig config, long appliedRestartGeneration,
                                List<DiskSource> diskSources) {
        if (diskSources.size() != spec.disks().size()) {
            throw new IllegalArgumentException("instance " + spec.ref() + " has " + spec.disks().size() + " disks but "
                    + diskSources.size() + " disk sources");
        }
        String uid = canonicalUid(spec.uid());
        Document doc = newDocument();
        Element domain = domainElement(doc, config, domainName(uid), uid);
        Element metadata = append(domain, "metadata");
        new SovraMetadata(uid, spec.ref(), config.nodeId(), appliedRestartGeneration).appendTo(metadata);
        appendMachine(domain, config, spec.vcpus(), spec.memoryMiB(), spec.kernelBoot());
        Element devices = append(domain, "devices");
        append(devices, "emulator", config.emulator());
        for (int index = 0; index < diskSources.size(); index++) {
            appendDisk(devices, diskSources.get(index), diskTarget(index));
        }
        for (NicSpec nic : spec.nics()) {
            appendNic(devices, nic);
        }
        appendSerial(devices, config.consoleLog(uid));
        append(devices, "memballoon").setAttribute("model", "none");
        return serialize(domain, true);
    }

    /**
     * A throwaway domain without Sovra ownership metadata (so {@code listOwned} never reports it): direct
     * kernel boot, no disks, no NICs, serial console to {@code consoleLog}. Used by the KVM probe.
     */
    public static String renderProbe(
            String name, UUID uuid, LibvirtDriverConfig config, KernelBoot boot, long memoryMiB, Path consoleLog) {
        Document doc = newDocument();
        Element domain = domainElement(doc, config, name, uuid.toString());
        append(domain, "title", "Sovra KVM probe (throwaway)");
        appendMachine(domain, config, 1, memoryMiB, boot);
        Element devices = append(domain, "devices");
        append(devices, "emulator", config.emulator());
        appendSerial(devices, consoleLog);
        append(devices, "memballoon").setAttribute("model", "none");
        return serialize(domain, true);
    }

    /** Target device name of the disk at {@code index}: vda ... vdz, vdaa ... (as Linux names them). */
    public static String diskTarget(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("disk index must not be negative: " + index);
        }
        StringBuilder letters = new StringBuilder();
        int n = index;
        do {
            letters.insert(0, (char) ('a' + n % 26));
            n = n / 26 - 1;
        } while (n >= 0);
        return "vd" + letters;
    }

    /** The uid as a canonical lower-case UUID string; rejects anything else. */
    public static String canonicalUid(String uid) {
        UUID parsed;
        try {
            parsed = UUID.fromString(uid);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("instance uid must be a UUID, was " + uid, e);
        }
        if (!parsed.toString().equals(uid)) {
            throw new IllegalArgumentException("instance uid must be a canonical lower-case UUID, was " + uid);
        }
        return uid;
    }

    private static Element domainElement(Document doc, LibvirtDriverConfig config, String name, String uuid) {
        Element domain = doc.createElement("domain");
        doc.appendChild(domain);
        domain.setAttribute("type", config.domainType());
        append(domain, "name", name);
        append(domain, "uuid", uuid);
        return domain;
    }

    private static void appendMachine(
            Element domain, LibvirtDriverConfig config, int vcpus, long memoryMiB, KernelBoot boot) {
        append(domain, "memory", Long.toString(memoryMiB)).setAttribute("unit", "MiB");
        append(domain, "currentMemory", Long.toString(memoryMiB)).setAttribute("unit", "MiB");
        append(domain, "vcpu", Integer.toString(vcpus)).setAttribute("placement", "static");
        Element os = append(domain, "os");
        Element type = append(os, "type", "hvm");
        type.setAttribute("arch", "x86_64");
        type.setAttribute("machine", config.machineType());
        if (boot != null) {
            append(os, "kernel", boot.kernelPath());
            if (boot.initrdPath() != null && !boot.initrdPath().isEmpty()) {
                append(os, "initrd", boot.initrdPath());
            }
            if (!boot.cmdline().isEmpty()) {
                append(os, "cmdline", boot.cmdline());
            }
        } else {
            append(os, "boot").setAttribute("dev", "hd");
        }
        Element features = append(domain, "features");
        append(features, "acpi");
        append(features, "apic");
        append(domain, "on_poweroff", "destroy");
        append(domain, "on_reboot", "restart");
        append(domain, "on_crash", "destroy");
    }

    /** One {@code <disk>} element; public for live attach, which sends a disk element on its own. */
    public static String renderDisk(DiskSource source, String target) {
        Element devices = newDocument().createElement("devices");
        return serialize(appendDisk(devices, source, target), false);
    }

    private static Element appendDisk(Element devices, DiskSource source, String target) {
        Element disk = append(devices, "disk");
        disk.setAttribute("device", "disk");
        Element driver = append(disk, "driver");
        driver.setAttribute("name", "qemu");
        driver.setAttribute("discard", "unmap");
        if (source instanceof DiskSource.File file) {
            disk.setAttribute("type", "file");
            driver.setAttribute("type", checkXmlText("disk format", file.format()));
            append(disk, "source").setAttribute("file", checkXmlText("disk path", file.path().toString()));
        } else if (source instanceof DiskSource.Rbd rbd) {
            disk.setAttribute("type", "network");
            driver.setAttribute("type", "raw");
            driver.setAttribute("cache", "none"); // librbd's own cache; writeback in QEMU would hide flushes
            Element sourceElement = append(disk, "source");
            sourceElement.setAttribute("protocol", "rbd");
            sourceElement.setAttribute("name", checkXmlText("rbd image", rbd.pool() + "/" + rbd.image()));
            for (String monitor : rbd.monitors()) {
                int colon = monitor.lastIndexOf(':');
                Element host = append(sourceElement, "host");
                host.setAttribute("name", checkXmlText("ceph monitor", colon < 0 ? monitor : monitor.substring(0, colon)));
                if (colon >= 0) {
                    host.setAttribute("port", checkXmlText("ceph monitor port", monitor.substring(colon + 1)));
                }
            }
            Element auth = append(disk, "auth");
            auth.setAttribute("username", checkXmlText("cephx user", rbd.auth().user()));
            Element secret = append(auth, "secret");
            secret.setAttribute("type", "ceph");
            secret.setAttribute("uuid", checkXmlText("secret uuid", rbd.auth().secretUuid()));
        }
        Element targetElement = append(disk, "target");
        targetElement.setAttribute("dev", target);
        targetElement.setAttribute("bus", "virtio");
        return disk;
    }

    /**
     * A plain tap (type ethernet): libvirt creates it and hands it to QEMU, and the node's network plane, not
     * libvirt, adds it to the integration bridge (it must be opened by the node's own ovs-vswitchd). The host side
     * does no checksum or segmentation offload: OVS's userspace datapath forwards frames as they are, and partial
     * checksums from a guest would reach other guests unfinished (the kernel datapath does not need this).
     */
    private static void appendNic(Element devices, NicSpec nic) {
        Element iface = append(devices, "interface");
        iface.setAttribute("type", "ethernet");
        Element target = append(iface, "target");
        target.setAttribute("dev", checkXmlText("nic device", nic.device()));
        target.setAttribute("managed", "yes");
        append(iface, "mac").setAttribute("address", nic.mac());
        append(iface, "model").setAttribute("type", "virtio");
        Element host = append(append(iface, "driver"), "host");
        for (String offload : List.of("csum", "gso", "tso4", "tso6", "ecn", "ufo")) {
            host.setAttribute(offload, "off");
        }
    }

    private static void appendSerial(Element devices, Path consoleLog) {
        Element serial = append(devices, "serial");
        serial.setAttribute("type", "file");
        Element source = append(serial, "source");
        source.setAttribute("path", checkXmlText("console log path", consoleLog.toString()));
        source.setAttribute("append", "on");
        append(serial, "target").setAttribute("port", "0");
    }

    private static Element append(Element parent, String name) {
        Element child = parent.getOwnerDocument().createElement(name);
        parent.appendChild(child);
        return child;
    }

    private static Element append(Element parent, String name, String text) {
        Element child = append(parent, name);
        child.setTextContent(checkXmlText(name, text));
        return child;
    }

    /**
     * Returns {@code text} if every character may appear in an XML 1.0 document; throws otherwise (DOM would
     * happily serialize control characters into XML that libvirt then rejects).
     */
    static String checkXmlText(String field, String text) {
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            boolean allowed = c == 0x9 || c == 0xA || c == 0xD
                    || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
            if (!allowed) {
                throw new IllegalArgumentException(
                        field + " contains a character XML cannot carry (U+" + Integer.toHexString(c) + ")");
            }
            i += Character.charCount(c);
        }
        return text;
    }

    static Document newDocument() {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            return factory.newDocumentBuilder().newDocument();
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("no XML document builder", e);
        }
    }

    static String serialize(Element element, boolean indent) {
        try {
            TransformerFactory factory = TransformerFactory.newInstance();
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
            Transformer transformer = factory.newTransformer();
            transformer.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            transformer.setOutputProperty(OutputKeys.ENCODING, "UTF-8");
            if (indent) {
                transformer.setOutputProperty(OutputKeys.INDENT, "yes");
                transformer.setOutputProperty("{http://xml.apache.org/xslt}indent-amount", "2");
            }
            StringWriter out = new StringWriter();
            transformer.transform(new DOMSource(element), new StreamResult(out));
            return out.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("cannot serialize domain XML", e);
        }
    }
}
