package dev.sovra.agent.hypervisor.libvirt;

import java.io.StringReader;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;

/** Reads the disks of a domain definition, to tell which ones a running guest must gain or lose. */
final class LiveDisks {
    private LiveDisks() {
    }

    /** Every {@code <disk>} element of {@code domainXml} serialised on its own, by target device (vda, ...). */
    static Map<String, String> byTarget(String domainXml) {
        Map<String, String> disks = new LinkedHashMap<>();
        NodeList nodes = parse(domainXml).getElementsByTagName("disk");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element disk = (Element) nodes.item(i);
            Element target = first(disk, "target");
            if (target != null && !target.getAttribute("dev").isEmpty()) {
                disks.put(target.getAttribute("dev"), DomainXml.serialize(disk, false));
            }
        }
        return disks;
    }

    /** The uuids of the Ceph secrets the domain's disks authenticate with. */
    static Set<String> secretUuids(String domainXml) {
        Set<String> uuids = new LinkedHashSet<>();
        NodeList secrets = parse(domainXml).getElementsByTagName("secret");
        for (int i = 0; i < secrets.getLength(); i++) {
            Element secret = (Element) secrets.item(i);
            if ("ceph".equals(secret.getAttribute("type")) && !secret.getAttribute("uuid").isEmpty()) {
                uuids.add(secret.getAttribute("uuid"));
            }
        }
        return uuids;
    }

    /** Whether two {@code <disk>} elements name the same backing object (file path, or RBD pool/image). */
    static boolean sameSource(String diskA, String diskB) {
        return Objects.equals(source(diskA), source(diskB));
    }

    private static String source(String diskXml) {
        Element source = first(parse(diskXml).getDocumentElement(), "source");
        if (source == null) {
            return null;
        }
        return source.getAttribute("file") + "|" + source.getAttribute("protocol") + "|" + source.getAttribute("name");
    }

    private static Element first(Element parent, String name) {
        NodeList nodes = parent.getElementsByTagName(name);
        return nodes.getLength() == 0 ? null : (Element) nodes.item(0);
    }

    private static Document parse(String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (Exception e) {
            throw new IllegalStateException("libvirt returned XML that does not parse", e);
        }
    }
}
