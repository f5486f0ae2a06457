package vn.lienthong.bench.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * edXML documents of a chosen size for the load: the demo's official letter (QCVN 102:2016) from one
 * tenant to another, its attached "PDF" padded with random bytes until the whole document has about
 * the size asked for.
 */
final class EdxmlDocuments {

    private EdxmlDocuments() {
    }

    static byte[] letter(String from, String to, int sizeBytes) throws IOException {
        String template;
        try (InputStream in = EdxmlDocuments.class.getResourceAsStream("/demo/document.edxml")) {
            if (in == null) {
                throw new IOException("the demo's edXML template (/demo/document.edxml) is not on the classpath");
            }
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("{{FROM_ID}}", from);
        fields.put("{{FROM_NAME}}", "Bench " + from);
        fields.put("{{FROM_PLACE}}", "Hà Nội");
        fields.put("{{TO_BLOCKS}}", "        <edXML:To>\n          <edXML:OrganId>" + to
                + "</edXML:OrganId>\n          <edXML:OrganName>Bench " + to + "</edXML:OrganName>\n        </edXML:To>");
        fields.put("{{DOCUMENT_ID}}", from + "," + LocalDate.now().format(DateTimeFormatter.ofPattern("yyyy/MM/dd"))
                + ",1/BENCH");
        fields.put("{{NUMBER}}", "1");
        fields.put("{{NOTATION}}", "BENCH");
        fields.put("{{DATE}}", LocalDate.now().format(DateTimeFormatter.ofPattern("yyyy/MM/dd")));
        fields.put("{{TIMESTAMP}}", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss")));
        fields.put("{{SUBJECT}}", "Tài liệu đo tải (lienthong bench)");
        String filled = template;
        for (Map.Entry<String, String> field : fields.entrySet()) {
            filled = filled.replace(field.getKey(), field.getValue());
        }
        int overhead = filled.replace("{{ATTACHMENT}}", "").getBytes(StandardCharsets.UTF_8).length;
        int base64Chars = Math.max(4, (sizeBytes - overhead) / 4 * 4);
        byte[] attachment = new byte[base64Chars / 4 * 3];
        new Random(sizeBytes).nextBytes(attachment);
        return filled.replace("{{ATTACHMENT}}", Base64.getEncoder().encodeToString(attachment))
                .getBytes(StandardCharsets.UTF_8);
    }
}
