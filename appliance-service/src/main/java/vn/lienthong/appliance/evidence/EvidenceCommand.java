package vn.lienthong.appliance.evidence;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import vn.lienthong.appliance.envelope.EnvelopeRejectedException;
import vn.lienthong.hsm.cert.Pem;
import vn.lienthong.hsm.trust.CertificateRejectedException;
import vn.lienthong.hsm.trust.CrlIssuer;
import vn.lienthong.hsm.trust.HeldCrl;
import vn.lienthong.hsm.trust.RevocationCheck;
import vn.lienthong.hsm.trust.RevocationLists;

/**
 * {@code evidence unpack} and {@code evidence verify}: the operator's offline tools for evidence
 * files. A failure prints one plain sentence on standard error and exits 1; there are no stack traces.
 */
@Command(name = "evidence", header = "Unpack or verify a non-repudiation evidence file.",
        description = "An evidence file holds a message's signed envelope and the recipient's signed receipt for it.",
        subcommands = {EvidenceCommand.Unpack.class, EvidenceCommand.Verify.class})
public final class EvidenceCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Mixin
    HelpOption help;

    /** {@code -h}/{@code --help} (a version option would have nothing to say here). */
    static final class HelpOption {
        @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean requested;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a subcommand: unpack or verify");
    }

    @Command(name = "unpack", header = "Write the parts of an evidence file into a directory.",
            description = {"Writes header.json, payload.bin, signature.p7s, receipt.json, receipt.p7s and chain.pem"
                    + " into DIR, byte for byte as signed, so that OpenSSL alone can check a signature:",
                    "  openssl cms -verify -binary -inform DER -in DIR/signature.p7s -content DIR/header.json"
                            + " -CAfile root.pem -purpose any",
                    "A batch-signed envelope adds batch-root.bin (what signature.p7s signs: give OpenSSL"
                            + " -content DIR/batch-root.bin) and proof.json (the proof that header.json's SHA-256"
                            + " is in that batch; 'evidence verify' checks it)."},
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:the files were written", "1:the evidence file cannot be read, or a file exists already",
                    "2:wrong usage"})
    static final class Unpack implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HelpOption help;

        @Parameters(index = "0", paramLabel = "FILE", description = "The evidence file.")
        Path file;

        @Parameters(index = "1", paramLabel = "DIR", description = "Where to write the parts; created if missing."
                + " Existing files are never overwritten.")
        Path directory;

        @Override
        public Integer call() {
            return report(spec, () -> {
                Map<String, byte[]> entries = EvidenceFile.entries(readEvidence(file), EvidenceFile.DEFAULT_MAX_BYTES);
                Files.createDirectories(directory);
                for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                    Path target = directory.resolve(entry.getKey());
                    Files.write(target, entry.getValue(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    spec.commandLine().getOut().println("wrote " + target);
                }
                return List.of();
            });
        }
    }

    @Command(name = "verify", header = "Check an evidence file offline and print each check made.",
            description = "Checks the payload digest, both signatures (for a batch-signed envelope, the proof that"
                    + " its header is in the signed batch root, then the signature over that root), that each signer is the organ it must be,"
                    + " both chains to the trusted roots at the time of receipt (so that evidence stays verifiable"
                    + " after the certificates expire), that the receipt is for this envelope and, with --crl,"
                    + " that neither signer was revoked.",
            exitCodeListHeading = "Exit codes:%n",
            exitCodeList = {"0:every check passed", "1:a check failed, or a file cannot be read", "2:wrong usage"})
    static final class Verify implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Mixin
        HelpOption help;

        @Parameters(index = "0", paramLabel = "FILE", description = "The evidence file.")
        Path file;

        @Option(names = "--trust", required = true, paramLabel = "PEM",
                description = "Trusted root certificates (PEM or DER); repeat for several files.")
        List<Path> trust;

        @Option(names = "--crl", paramLabel = "CRL",
                description = "A CRL (PEM or DER) to check both signers' chains against, signed by a trusted root or"
                        + " by an intermediate CA the evidence carries; repeat for several. A signer revoked at or"
                        + " before the time of receipt (or for keyCompromise) fails the evidence.")
        List<Path> crl = List.of();

        @Override
        public Integer call() {
            return report(spec, () -> {
                List<X509Certificate> anchors = new ArrayList<>();
                for (Path pem : trust) {
                    try {
                        anchors.addAll(Pem.certificates(Files.readAllBytes(pem)));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(pem + ": " + e.getMessage(), e);
                    }
                }
                Evidence evidence = EvidenceFile.read(readEvidence(file));
                List<HeldCrl> held = new ArrayList<>();
                for (Path crlFile : crl) {
                    try {
                        for (X509CRL one : Pem.crls(Files.readAllBytes(crlFile))) {
                            held.add(CrlIssuer.verify(one, anchors, EvidenceVerifier.crlIssuers(evidence),
                                    RevocationCheck.NONE, evidence.receipt().receipt().receivedAt()));
                        }
                    } catch (IllegalArgumentException | CertificateRejectedException e) {
                        throw new IllegalArgumentException(crlFile + ": " + e.getMessage(), e);
                    }
                }
                List<String> checks = new ArrayList<>(new EvidenceVerifier().verify(evidence, anchors,
                        new RevocationLists(held), Instant.now()));
                checks.add("evidence: valid");
                return checks;
            });
        }
    }

    /** A command's work: the lines to print when it succeeds. */
    private interface Work {
        List<String> run() throws IOException;
    }

    /** Runs the work; prints its lines and returns 0, or prints one sentence on stderr and returns 1. */
    private static int report(CommandSpec spec, Work work) {
        try {
            PrintWriter out = spec.commandLine().getOut();
            work.run().forEach(out::println);
            out.flush();
            return 0;
        } catch (EnvelopeRejectedException | IllegalArgumentException e) {
            return fail(spec, e.getMessage());
        } catch (IOException e) {
            return fail(spec, describe(e));
        }
    }

    private static int fail(CommandSpec spec, String sentence) {
        PrintWriter err = spec.commandLine().getErr();
        err.println("error: " + sentence);
        err.flush();
        return 1;
    }

    private static byte[] readEvidence(Path file) throws IOException {
        if (Files.size(file) > EvidenceFile.DEFAULT_MAX_BYTES) {
            throw new IllegalArgumentException(file + " is larger than " + EvidenceFile.DEFAULT_MAX_BYTES
                    + " bytes: it is not an evidence file");
        }
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException | AccessDeniedException e) {
            throw e;
        } catch (IOException e) {
            throw new IOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String describe(IOException e) {
        return switch (e) {
            case NoSuchFileException missing -> missing.getFile() + " does not exist";
            case AccessDeniedException denied -> denied.getFile() + " cannot be accessed: permission denied";
            case FileAlreadyExistsException exists -> exists.getFile() + " exists already: unpack into a new or empty directory";
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
    }
}
