package vn.lienthong.appliance.edxml;

import java.util.ArrayList;
import java.util.List;

/** One QCVN 102:2016 element of a message as the tree builder kept it: its name, text and children. */
final class EdxmlNode {
    final String name;
    final EdxmlNode parent;
    /** 1-based position among the parent's children of the same name, for paths such as {@code To[2]}. */
    final int position;
    final List<EdxmlNode> children = new ArrayList<>(2);
    StringBuilder text;
    /** The first child element of another namespace than QCVN 102:2016's ({uri}name), skipped by the tree builder. */
    String foreignChild;
    /** The decoded content of an AttachmentEncoded/Attachment, set when its ContentTransferEncoded ends. */
    byte[] content;

    EdxmlNode(String name, EdxmlNode parent) {
        this.name = name;
        this.parent = parent;
        int same = 1;
        if (parent != null) {
            for (EdxmlNode sibling : parent.children) {
                if (sibling.name.equals(name)) {
                    same++;
                }
            }
            parent.children.add(this);
        }
        this.position = same;
    }

    /** The path from the root, with positions where a name repeats: {@code edXML/edXMLEnvelope/…/To[2]/OrganId}. */
    String path() {
        String own = position > 1 || (parent != null && parent.count(name) > 1) ? name + "[" + position + "]" : name;
        return parent == null ? own : parent.path() + "/" + own;
    }

    /** The path of a child that is not there, for "missing" answers. */
    String pathOf(String child) {
        return path() + "/" + child;
    }

    int count(String child) {
        int n = 0;
        for (EdxmlNode c : children) {
            if (c.name.equals(child)) {
                n++;
            }
        }
        return n;
    }

    List<EdxmlNode> all(String child) {
        List<EdxmlNode> found = new ArrayList<>();
        for (EdxmlNode c : children) {
            if (c.name.equals(child)) {
                found.add(c);
            }
        }
        return found;
    }

    /**
     * The text, stripped; null when the element has none or only whitespace. A text field with an
     * element child is refused: the appliance checks its text, while a recipient that processes, say,
     * XInclude would read the child instead.
     */
    String value() {
        if (!children.isEmpty() || foreignChild != null) {
            String child = foreignChild != null ? foreignChild : children.getFirst().name;
            throw new EdxmlRejectedException(path(), "text-only", EdxmlTreeBuilder.relative(this)
                    + " holds the element " + child + ": it may hold text only");
        }
        if (text == null) {
            return null;
        }
        String v = text.toString().strip();
        return v.isEmpty() ? null : v;
    }
}
