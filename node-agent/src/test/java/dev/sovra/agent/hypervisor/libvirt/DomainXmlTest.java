package dev.sovra.agent.hypervisor.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sovra.agent.storage.DiskSource;
import dev.sovra.model.DiskSpec;
import dev.sovra.model.InstanceSpec;
import dev.sovra.model.KernelBoot;
import dev.sovra.model.NicSpec;
import dev.sovra.model.PowerState;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathConstants;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

class DomainXmlTest {

    private static final String UID = "3f2a1c9e-8b7d-4e6f-9a0b-1c2d3e4f5a6b";
    private static final LibvirtDriverConfig CONFIG = LibvirtDriverConfig.defaults().withStateDir(Path.of("/srv/agent"));
    private static final KernelBoot BOOT = new KernelBoot("/guest/vmlinux", "/guest/initrd.gz", "console=ttyS0 quiet");
    private static final DiskSource.CephAuth AUTH = new DiskSource.CephAuth("sovra", "7d6b2c1a-0f4e-4c3b-9a8d-112233445566",
            "QVFCMjNGaGxBQUFBQUJBQWxaSkhOQnZSTm1XM0s0M2NmRHc9PQ==");

    /** A local volume per disk, named by the disk's name, as the local backend would attach it. */
    private static DiskSpec disk(String name) {
        return new DiskSpec(name, UUID.nameUUIDFromBytes(name.getBytes()).toString(), "local");
    }

    private static String render(InstanceSpec spec, LibvirtDriverConfig config, long generation) {
        List<DiskSource> sources = spec.disks().stream()
                .<DiskSource>map(d -> new DiskSource.File(Path.of("/srv/agent/volumes/" + d.volumeUid() + ".qcow2"), "qcow2"))
                .toList();
        return DomainXml.render(spec, config, generation, sources);
    }

    private static InstanceSpec spec(KernelBoot boot, List<DiskSpec> disks, List<NicSpec> nics) {
        return new InstanceSpec(UID, "tenants/t1/workspaces/ws1/instances/vm1", 2, 512, boot, disks, nics,
                PowerState.ON, 3);
    }

    private static Document parse(String xml) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
    }

    private static String text(Document doc, String xpath) throws Exception {
        return XPathFactory.newInstance().newXPath().evaluate(xpath, doc);
    }

    private static NodeList nodes(Document doc, String xpath) throws Exception {
        return (NodeList) XPathFactory.newInstance().newXPath().evaluate(xpath, doc, XPathConstants.NODESET);
    }

    @Test
    void rendersIdentityMachineAndLifecycle() throws Exception {
        Document doc = parse(render(spec(BOOT, List.of(), List.of()), CONFIG, 3));

        assertEquals("qemu", text(doc, "/domain/@type"));
        assertEquals("sovra-" + UID, text(doc, "/domain/name"));
        assertEquals(UID, text(doc, "/domain/uuid"));
        assertEquals("2", text(doc, "/domain/vcpu"));
        assertEquals("512", text(doc, "/domain/memory"));
        assertEquals("MiB", text(doc, "/domain/memory/@unit"));
        assertEquals("hvm", text(doc, "/domain/os/type"));
        assertEquals("pc", text(doc, "/domain/os/type/@machine"));
        assertEquals(1, nodes(doc, "/domain/features/acpi").getLength());
        assertEquals(1, nodes(doc, "/domain/features/apic").getLength());
        assertEquals("destroy", text(doc, "/domain/on_poweroff"));
        assertEquals("restart", text(doc, "/domain/on_reboot"));
        assertEquals("destroy", text(doc, "/domain/on_crash"));
        assertEquals("/usr/bin/qemu-system-x86_64", text(doc, "/domain/devices/emulator"));
        assertEquals("none", text(doc, "/domain/devices/memballoon/@model"));
        assertEquals("file", text(doc, "/domain/devices/serial/@type"));
        assertEquals("/srv/agent/instances/" + UID + "/console.log", text(doc, "/domain/devices/serial/source/@path"));
        assertEquals("on", text(doc, "/domain/devices/serial/source/@append"));
    }

    @Test
    void domainTypeAndMachineComeFromConfig() throws Exception {
        LibvirtDriverConfig kvm = new LibvirtDriverConfig(null, "kvm", Path.of("/x"), "/opt/qemu", "q35", "node-1");
        Document doc = parse(render(spec(BOOT, List.of(), List.of()), kvm, 0));
        assertEquals("kvm", text(doc, "/domain/@type"));
        assertEquals("q35", text(doc, "/domain/os/type/@machine"));
        assertEquals("/opt/qemu", text(doc, "/domain/devices/emulator"));
        assertThrows(IllegalArgumentException.class, () -> CONFIG.withDomainType("xen"));
    }

    @Test
    void ownershipMetadataInSovraNamespace() throws Exception {
        Document doc = parse(render(spec(BOOT, List.of(), List.of()), CONFIG, 7));
        NodeList owners = doc.getElementsByTagNameNS(SovraMetadata.NAMESPACE, "instance");
        assertEquals(1, owners.getLength());
        assertEquals("metadata", owners.item(0).getParentNode().getNodeName());
        Element owner = (Element) owners.item(0);
        assertEquals(UID, owner.getElementsByTagNameNS(SovraMetadata.NAMESPACE, "uid").item(0).getTextContent());
        assertEquals("tenants/t1/workspaces/ws1/instances/vm1",
                owner.getElementsByTagNameNS(SovraMetadata.NAMESPACE, "ref").item(0).getTextContent());
        assertEquals("7",
                owner.getElementsByTagNameNS(SovraMetadata.NAMESPACE, "restartGeneration").item(0).getTextContent());
    }

    @Test
    void kernelBootHasKernelInitrdAndCmdlineAndNoBootDevice() throws Exception {
        Document doc = parse(render(spec(BOOT, List.of(disk("root")), List.of()), CONFIG, 0));
        assertEquals("/guest/vmlinux", text(doc, "/domain/os/kernel"));
        assertEquals("/guest/initrd.gz", text(doc, "/domain/os/initrd"));
        assertEquals("console=ttyS0 quiet", text(doc, "/domain/os/cmdline"));
        assertEquals(0, nodes(doc, "/domain/os/boot").getLength());
    }

    @Test
    void kernelBootWithoutInitrdOrCmdlineOmitsThem() throws Exception {
        Document doc = parse(render(
                spec(new KernelBoot("/k", null, null), List.of(), List.of()), CONFIG, 0));
        assertEquals("/k", text(doc, "/domain/os/kernel"));
        assertEquals(0, nodes(doc, "/domain/os/initrd").getLength());
        assertEquals(0, nodes(doc, "/domain/os/cmdline").getLength());
    }

    @Test
    void diskBootUsesFirstDiskAndNoKernel() throws Exception {
        Document doc = parse(render(spec(null, List.of(disk("root")), List.of()), CONFIG, 0));
        assertEquals(0, nodes(doc, "/domain/os/kernel").getLength());
        assertEquals(0, nodes(doc, "/domain/os/initrd").getLength());
        assertEquals(0, nodes(doc, "/domain/os/cmdline").getLength());
        assertEquals("hd", text(doc, "/domain/os/boot/@dev"));
        assertEquals("vda", text(doc, "/domain/devices/disk[1]/target/@dev"));
    }

    @Test
    void localVolumesAreQcow2VirtioFilesInOrder() throws Exception {
        Document doc = parse(render(
                spec(BOOT, List.of(disk("root"), disk("data-1")), List.of()), CONFIG, 0));
        NodeList disks = nodes(doc, "/domain/devices/disk");
        assertEquals(2, disks.getLength());
        String dir = "/srv/agent/volumes/";
        assertEquals(dir + disk("root").volumeUid() + ".qcow2", text(doc, "/domain/devices/disk[1]/source/@file"));
        assertEquals(dir + disk("data-1").volumeUid() + ".qcow2", text(doc, "/domain/devices/disk[2]/source/@file"));
        assertEquals("vda", text(doc, "/domain/devices/disk[1]/target/@dev"));
        assertEquals("vdb", text(doc, "/domain/devices/disk[2]/target/@dev"));
        for (int i = 1; i <= 2; i++) {
            assertEquals("file", text(doc, "/domain/devices/disk[" + i + "]/@type"));
            assertEquals("disk", text(doc, "/domain/devices/disk[" + i + "]/@device"));
            assertEquals("qcow2", text(doc, "/domain/devices/disk[" + i + "]/driver/@type"));
            assertEquals("virtio", text(doc, "/domain/devices/disk[" + i + "]/target/@bus"));
        }
    }

    @Test
    void rbdDisksNameTheirSecretButNeverCarryTheKey() throws Exception {
        InstanceSpec spec = spec(BOOT, List.of(disk("root")), List.of());
        DiskSource rbd = new DiskSource.Rbd("sovra", "sovra-vol-" + spec.disks().get(0).volumeUid(),
                List.of("127.0.0.1:3300", "[::1]:6789"), AUTH);
        String xml = DomainXml.render(spec, CONFIG, 0, List.of(rbd));
        Document doc = parse(xml);
        assertEquals("network", text(doc, "/domain/devices/disk[1]/@type"));
        assertEquals("rbd", text(doc, "/domain/devices/disk[1]/source/@protocol"));
        assertEquals("sovra/sovra-vol-" + spec.disks().get(0).volumeUid(), text(doc, "/domain/devices/disk[1]/source/@name"));
        assertEquals("127.0.0.1", text(doc, "/domain/devices/disk[1]/source/host[1]/@name"));
        assertEquals("3300", text(doc, "/domain/devices/disk[1]/source/host[1]/@port"));
        assertEquals("[::1]", text(doc, "/domain/devices/disk[1]/source/host[2]/@name"));
        assertEquals("sovra", text(doc, "/domain/devices/disk[1]/auth/@username"));
        assertEquals("ceph", text(doc, "/domain/devices/disk[1]/auth/secret/@type"));
        assertEquals(AUTH.secretUuid(), text(doc, "/domain/devices/disk[1]/auth/secret/@uuid"));
        assertEquals("raw", text(doc, "/domain/devices/disk[1]/driver/@type"));
        assertFalse(xml.contains(AUTH.key()), "the cephx key stays in the libvirt secret");
        assertFalse(AUTH.toString().contains(AUTH.key()), "nor does it reach logs");
    }

    @Test
    void aDiskSourceIsNeededForEveryDisk() {
        InstanceSpec spec = spec(BOOT, List.of(disk("root"), disk("data")), List.of());
        assertThrows(IllegalArgumentException.class, () -> DomainXml.render(spec, CONFIG, 0, List.of()));
    }

    @Test
    void diskTargetsFollowLinuxNaming() {
        assertEquals("vda", DomainXml.diskTarget(0));
        assertEquals("vdz", DomainXml.diskTarget(25));
        assertEquals("vdaa", DomainXml.diskTarget(26));
        assertEquals("vdab", DomainXml.diskTarget(27));
        assertEquals("vdzz", DomainXml.diskTarget(26 + 26 * 26 - 1));
        assertEquals("vdaaa", DomainXml.diskTarget(26 + 26 * 26));
    }

    @Test
    void nicsArePlainTapsWithoutHostOffloads() throws Exception {
        Document doc = parse(render(spec(BOOT, List.of(), List.of(
                new NicSpec("tn525400aabb01", "52:54:00:aa:bb:01"),
                new NicSpec("tn525400aabb02", "52:54:00:aa:bb:02"))), CONFIG, 0));
        assertEquals(2, nodes(doc, "/domain/devices/interface").getLength());
        assertEquals("ethernet", text(doc, "/domain/devices/interface[1]/@type"));
        assertEquals("tn525400aabb01", text(doc, "/domain/devices/interface[1]/target/@dev"));
        assertEquals("yes", text(doc, "/domain/devices/interface[1]/target/@managed"));
        assertEquals(0, nodes(doc, "/domain/devices/interface/virtualport").getLength(), "the network plane binds the tap, not libvirt");
        assertEquals("52:54:00:aa:bb:01", text(doc, "/domain/devices/interface[1]/mac/@address"));
        assertEquals("virtio", text(doc, "/domain/devices/interface[1]/model/@type"));
        assertEquals("off", text(doc, "/domain/devices/interface[1]/driver/host/@csum"));
        assertEquals("off", text(doc, "/domain/devices/interface[1]/driver/host/@tso4"));
        assertEquals("tn525400aabb02", text(doc, "/domain/devices/interface[2]/target/@dev"));
        assertEquals("52:54:00:aa:bb:02", text(doc, "/domain/devices/interface[2]/mac/@address"));
    }

    @Test
    void valuesAreEscaped() throws Exception {
        String ref = "tenants/<t&1>/\"quoted\"/'single'/]]>";
        String cmdline = "console=ttyS0 x=\"a b\" y='c' z=<&>";
        InstanceSpec spec = new InstanceSpec(UID, ref, 1, 64,
                new KernelBoot("/guest dir/&vmlinux", "/guest/initrd\".gz", cmdline), List.of(),
                List.of(), PowerState.OFF, 0);
        String xml = render(spec, CONFIG, 0);
        assertFalse(xml.contains("<t&1>"), xml);
        Document doc = parse(xml); // well-formed
        assertEquals(cmdline, text(doc, "/domain/os/cmdline"));
        assertEquals("/guest dir/&vmlinux", text(doc, "/domain/os/kernel"));
        assertEquals("/guest/initrd\".gz", text(doc, "/domain/os/initrd"));
        assertEquals(ref, ((Element) doc.getElementsByTagNameNS(SovraMetadata.NAMESPACE, "ref").item(0)).getTextContent());
    }

    @Test
    void rejectsCharactersXmlCannotCarry() {
        InstanceSpec spec = new InstanceSpec(UID, "bad\u0001ref", 1, 64, BOOT, List.of(), List.of(), PowerState.OFF, 0);
        assertThrows(IllegalArgumentException.class, () -> render(spec, CONFIG, 0));
    }

    @Test
    void rejectsNonCanonicalUids() {
        InstanceSpec upper = new InstanceSpec(UID.toUpperCase(), "r", 1, 64, BOOT, List.of(), List.of(), PowerState.OFF, 0);
        InstanceSpec notUuid = new InstanceSpec("vm1", "r", 1, 64, BOOT, List.of(), List.of(), PowerState.OFF, 0);
        assertThrows(IllegalArgumentException.class, () -> render(upper, CONFIG, 0));
        assertThrows(IllegalArgumentException.class, () -> render(notUuid, CONFIG, 0));
    }

    @Test
    void metadataRoundTripsAndToleratesLibvirtsPrefixesAndUnqualifiedChildren() {
        SovraMetadata metadata = new SovraMetadata(UID, "tenants/a&b", "node-1", 42);
        assertEquals(metadata, SovraMetadata.parse(metadata.toXml()));
        assertEquals(metadata, SovraMetadata.parse(metadata.toSetMetadataXml()));
        String fromLibvirt = "<x:instance xmlns:x=\"" + SovraMetadata.NAMESPACE + "\"><uid>" + UID
                + "</uid><ref>r</ref><restartGeneration>5</restartGeneration></x:instance>";
        assertEquals(new SovraMetadata(UID, "r", "", 5), SovraMetadata.parse(fromLibvirt));
        assertThrows(IllegalArgumentException.class, () -> SovraMetadata.parse("<instance><ref>r</ref></instance>"));
    }

    @Test
    void probeDomainHasNoOwnershipMetadata() throws Exception {
        UUID uuid = UUID.randomUUID();
        Document doc = parse(DomainXml.renderProbe("sovra-kvmprobe-x", uuid, CONFIG.withDomainType("kvm"), BOOT, 256,
                Path.of("/tmp/p/console.log")));
        assertEquals("kvm", text(doc, "/domain/@type"));
        assertEquals(uuid.toString(), text(doc, "/domain/uuid"));
        assertEquals(0, doc.getElementsByTagNameNS(SovraMetadata.NAMESPACE, "instance").getLength());
        assertEquals(0, nodes(doc, "/domain/metadata").getLength());
        assertEquals("/tmp/p/console.log", text(doc, "/domain/devices/serial/source/@path"));
        assertTrue(nodes(doc, "/domain/devices/disk").getLength() == 0);
    }
}
