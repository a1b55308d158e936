package dev.sovra.agent.hypervisor.libvirt;

import java.io.IOException;
import java.io.StringReader;
import java.util.Objects;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * Sovra's ownership record inside a libvirt domain's {@code <metadata>}: the element
 * {@code <sovra:instance xmlns:sovra="https://sovra.dev/xmlns/domain/1">} with children {@code uid}, {@code ref},
 * {@code node} (the agent that owns it) and {@code restartGeneration}. A domain without it, or owned by
 * another node's agent on the same libvirt, is not this agent's and is never touched.
 *
 * @param restartGeneration the restart generation last carried out on the domain
 */
public record SovraMetadata(String uid, String ref, String node, long restartGeneration) {

    public static final String NAMESPACE = "https://sovra.dev/xmlns/domain/1";
    public static final String PREFIX = "sovra";
    public static final String ELEMENT = "instance";

    public SovraMetadata {
        Objects.requireNonNull(uid, "uid");
        Objects.requireNonNull(ref, "ref");
        node = node == null ? "" : node;
    }

    /** Appends {@code <sovra:instance>} to {@code parent}. */
    void appendTo(Element parent) {
        Document doc = parent.getOwnerDocument();
        Element root = doc.createElementNS(NAMESPACE, PREFIX + ":" + ELEMENT);
        appendChild(root, "uid", uid);
        appendChild(root, "ref", ref);
        appendChild(root, "node", node);
        appendChild(root, "restartGeneration", Long.toString(restartGeneration));
        parent.appendChild(root);
    }

    private static void appendChild(Element root, String name, String text) {
        Element child = root.getOwnerDocument().createElementNS(NAMESPACE, PREFIX + ":" + name);
        child.setTextContent(DomainXml.checkXmlText(name, text));
        root.appendChild(child);
    }

    /**
     * The element for {@code virDomainSetMetadata}: unqualified, because libvirt itself puts the element into
     * {@link #NAMESPACE} under the key {@link #PREFIX} (an XML that already declares the prefix is rejected
     * with "failed to create a new XML namespace").
     */
    public String toSetMetadataXml() {
        Document doc = DomainXml.newDocument();
        Element root = doc.createElement(ELEMENT);
        doc.appendChild(root);
        for (String[] field : new String[][] {
                {"uid", uid}, {"ref", ref}, {"node", node}, {"restartGeneration", Long.toString(restartGeneration)}}) {
            Element child = doc.createElement(field[0]);
            child.setTextContent(DomainXml.checkXmlText(field[0], field[1]));
            root.appendChild(child);
        }
        return DomainXml.serialize(root, false);
    }

    /** The element in {@link #NAMESPACE}, as it appears inside a domain's {@code <metadata>}. */
    public String toXml() {
        Document doc = DomainXml.newDocument();
        Element holder = doc.createElement("holder");
        doc.appendChild(holder);
        appendTo(holder);
        return DomainXml.serialize((Element) holder.getFirstChild(), false);
    }

    /**
     * Parses what {@code virDomainGetMetadata(ELEMENT, NAMESPACE)} returns. libvirt may re-prefix the
     * element, and children may come back unqualified, so children are matched by local name.
     */
    public static SovraMetadata parse(String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
            Element root = doc.getDocumentElement();
            String uid = childText(root, "uid");
            String ref = childText(root, "ref");
            String node = childText(root, "node");
            String generation = childText(root, "restartGeneration");
            if (uid == null || ref == null) {
                throw new IllegalArgumentException("Sovra metadata lacks uid or ref: " + xml);
            }
            return new SovraMetadata(uid.trim(), ref, node == null ? "" : node.trim(), generation == null ? 0 : Long.parseLong(generation.trim()));
        } catch (ParserConfigurationException | SAXException | IOException | NumberFormatException e) {
            throw new IllegalArgumentException("unreadable Sovra metadata: " + xml, e);
        }
    }

    private static String childText(Element root, String localName) {
        for (Node node = root.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element) {
                String name = element.getLocalName() != null ? element.getLocalName() : element.getNodeName();
                if (localName.equals(name)) {
                    return element.getTextContent();
                }
            }
        }
        return null;
    }
}
