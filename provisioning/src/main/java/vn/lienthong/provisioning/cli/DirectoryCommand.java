package vn.lienthong.provisioning.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vn.lienthong.provisioning.registry.DirectoryEntry;

/** {@code provision directory}: the routing directory, organ id to peer appliance. */
@Command(name = "directory", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = "Manage the routing directory: which appliance serves each organ, and its TLS pin.",
        subcommands = {DirectoryCommand.Import.class, DirectoryCommand.ListEntries.class})
final class DirectoryCommand implements Runnable {

    private static final Set<String> FIELDS = Set.of("organId", "endpoint", "tlsCertificateSha256");

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Subcommands.missing(spec);
    }

    @Command(name = "import", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = {
                "Replace the whole routing directory with the entries in FILE, at once: the service"
                    + " sees the old directory or the new one, never a mix. If any entry is invalid,"
                    + " nothing is imported.",
                "FILE is JSON: {\"entries\":[{\"organId\":\"000.00.00.H41\","
                    + "\"endpoint\":\"https://axis.example.gov.vn:5500\","
                    + "\"tlsCertificateSha256\":\"<64 hex digits: SHA-256 of the peer's TLS certificate (DER)>\"}]}"
            })
    static final class Import extends ProvisioningAction {

        @Parameters(index = "0", paramLabel = "FILE", description = "The directory, as JSON.")
        Path file;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            List<DirectoryEntry> entries = parse(file, InputFiles.read(file));
            environment.registry().replaceDirectory(entries);
            out.println("imported " + entries.size() + (entries.size() == 1 ? " directory entry" : " directory entries")
                    + "; the previous directory was replaced");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class, description = "List the routing directory.")
    static final class ListEntries extends ProvisioningAction {

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            List<DirectoryEntry> entries = environment.registry().directory();
            if (entries.isEmpty()) {
                out.println("the directory is empty; import one with 'provision directory import FILE'");
                return;
            }
            Table table = new Table("ORGAN ID", "AXIS ENDPOINT", "TLS CERTIFICATE SHA-256");
            for (DirectoryEntry entry : entries) {
                table.add(entry.organId(), entry.axisEndpoint().toString(), entry.tlsCertificateSha256());
            }
            table.print(out);
        }
    }

    /** Every entry of a directory file, each validated; a Refusal naming the first bad entry otherwise. */
    static List<DirectoryEntry> parse(Path file, byte[] json) {
        JsonNode root;
        try {
            root = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(json);
        } catch (JsonProcessingException e) {
            throw new Refusal(file + " is not valid JSON (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + "); nothing was imported");
        } catch (IOException e) {
            throw new Refusal(file + " cannot be read as JSON; nothing was imported");
        }
        JsonNode array = root == null ? null : root.get("entries");
        if (array == null || !array.isArray()) {
            throw new Refusal(file + " has no \"entries\" array; nothing was imported");
        }
        if (array.isEmpty()) {
            throw new Refusal(file + " has no entries, and an empty directory would stop all delivery;"
                    + " nothing was imported");
        }
        List<DirectoryEntry> entries = new ArrayList<>();
        Set<String> organIds = new HashSet<>();
        int number = 0;
        for (JsonNode node : array) {
            number++;
            String where = "entry " + number + " of " + file;
            if (!node.isObject()) {
                throw new Refusal(where + " is not a JSON object; nothing was imported");
            }
            for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!FIELDS.contains(name)) {
                    throw new Refusal(where + " has an unknown field \"" + name + "\"; nothing was imported");
                }
            }
            try {
                DirectoryEntry entry = new DirectoryEntry(text(node, "organId", where),
                        uri(text(node, "endpoint", where), where), text(node, "tlsCertificateSha256", where));
                if (!organIds.add(entry.organId())) {
                    throw new Refusal(where + " lists " + entry.organId() + " again; nothing was imported");
                }
                entries.add(entry);
            } catch (IllegalArgumentException e) {
                throw new Refusal(where + ": " + e.getMessage() + "; nothing was imported");
            }
        }
        return entries;
    }

    private static String text(JsonNode entry, String field, String where) {
        JsonNode value = entry.get(field);
        if (value == null || !value.isTextual()) {
            throw new Refusal(where + " needs \"" + field + "\" as a string; nothing was imported");
        }
        return value.asText();
    }

    private static URI uri(String value, String where) {
        try {
            return new URI(value);
        } catch (URISyntaxException e) {
            throw new Refusal(where + ": '" + value + "' is not a URI; nothing was imported");
        }
    }
}
