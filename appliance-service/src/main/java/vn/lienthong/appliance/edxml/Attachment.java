package vn.lienthong.appliance.edxml;

/**
 * AttachmentEncoded/Attachment: one attached file, decoded from its base64 ContentTransferEncoded.
 * The bytes are the caller's copy.
 */
public record Attachment(String contentId, String attachmentName, String description, String contentType,
                         byte[] content) {
    public Attachment {
        content = content.clone();
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    public int size() {
        return content.length;
    }
}
