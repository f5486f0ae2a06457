package vn.lienthong.appliance.edxml;

/**
 * The bounds the parser holds a message to, so that a hostile message costs at most this much.
 *
 * @param maxBytes                 the largest message, counted while streaming
 * @param maxAttachmentBytes       the largest single attachment, decoded
 * @param maxTotalAttachmentBytes  all attachments together, decoded
 * @param maxElements              elements in the whole message (attachment text is not an element)
 * @param maxFieldChars            characters in one header field
 */
public record EdxmlLimits(long maxBytes, long maxAttachmentBytes, long maxTotalAttachmentBytes, int maxElements,
                          int maxFieldChars) {

    /** Limits for the appliance's 32 MiB message bound. */
    public static final EdxmlLimits DEFAULT = new EdxmlLimits(EdxmlDocument.DEFAULT_MAX_BYTES, 20L * 1024 * 1024,
            24L * 1024 * 1024, 20_000, 4000);

    /** The same limits with another message size bound. */
    public EdxmlLimits withMaxBytes(long bytes) {
        return new EdxmlLimits(bytes, maxAttachmentBytes, maxTotalAttachmentBytes, maxElements, maxFieldChars);
    }
}
