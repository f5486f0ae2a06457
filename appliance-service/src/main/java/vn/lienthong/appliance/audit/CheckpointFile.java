package vn.lienthong.appliance.audit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import vn.lienthong.storage.audit.AuditCheckpoint;

/**
 * An audit checkpoint as a text file an operator keeps off the appliance: a few {@code name: value}
 * lines (sequence, head, at) and the CMS signature as PEM ({@code -----BEGIN CMS-----}), which
 * {@code openssl cms -verify -inform PEM -in FILE} reads as it is; the signed content is the
 * {@code head} value (64 hex characters, no line end).
 */
public final class CheckpointFile {

    private static final String TITLE = "lienthong audit checkpoint";
    private static final String BEGIN = "-----BEGIN CMS-----";
    private static final String END = "-----END CMS-----";

    private CheckpointFile() {
    }

    /** The checkpoint as the file's text. */
    public static String format(AuditCheckpoint checkpoint) {
        return TITLE + "\n"
                + "sequence: " + checkpoint.sequence() + "\n"
                + "head: " + HexFormat.of().formatHex(checkpoint.headHash()) + "\n"
                + "at: " + checkpoint.at() + "\n"
                + BEGIN + "\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(checkpoint.signature()) + "\n"
                + END + "\n";
    }

    /** Reads a file {@link #format} wrote; an unreadable one is an {@link IllegalArgumentException} naming it. */
    public static AuditCheckpoint read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the checkpoint " + file + ": " + e.getMessage(), e);
        }
        Map<String, String> fields = new HashMap<>();
        StringBuilder pem = null;
        for (String line : lines) {
            String text = line.strip();
            if (text.equals(BEGIN)) {
                pem = new StringBuilder();
            } else if (text.equals(END)) {
                break;
            } else if (pem != null) {
                pem.append(text);
            } else if (text.contains(": ")) {
                fields.put(text.substring(0, text.indexOf(": ")), text.substring(text.indexOf(": ") + 2));
            }
        }
        try {
            if (lines.isEmpty() || !lines.getFirst().strip().equals(TITLE) || pem == null
                    || !fields.keySet().containsAll(List.of("sequence", "head", "at"))) {
                throw new IllegalArgumentException("missing parts");
            }
            return new AuditCheckpoint(Long.parseLong(fields.get("sequence")), HexFormat.of().parseHex(fields.get("head")),
                    Instant.parse(fields.get("at")), Base64.getDecoder().decode(pem.toString()));
        } catch (IllegalArgumentException | DateTimeParseException e) {
            throw new IllegalArgumentException(file + " is not an audit checkpoint written by"
                    + " 'lienthong audit checkpoint export'", e);
        }
    }
}
