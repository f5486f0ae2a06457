package vn.lienthong.provisioning.cli;

import java.io.PrintWriter;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

/** {@code provision key}: key pairs generated inside the HSM. */
@Command(name = "key", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
        description = "Manage the key pairs in the HSM.",
        subcommands = KeyCommand.Generate.class)
final class KeyCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw Subcommands.missing(spec);
    }

    @Command(name = "generate", mixinStandardHelpOptions = true, versionProvider = ProvisioningVersion.class,
            description = {
                "Generate a key pair inside the HSM (never extractable) for a tenant (alias sign-ORGAN)"
                    + " or for the appliance's TLS identity (alias tls), and print the alias and the"
                    + " SHA-256 of the public key (DER SubjectPublicKeyInfo).",
                "Refuses if the alias already has a key: key rotation is not available in this version."
            })
    static final class Generate extends ProvisioningAction {

        @ArgGroup(exclusive = true, multiplicity = "1")
        KeyOwner owner;

        @Option(names = "--alg", paramLabel = "ALG", required = true, converter = KeyAlgorithmConverter.class,
                description = "rsa2048 or ecp256.")
        KeyAlgorithm algorithm;

        @Override
        void run(ProvisioningEnvironment environment, PrintWriter out) {
            KeyOwner.Resolved resolved = owner.resolve(environment);
            Token token = environment.tokenFor(resolved.tenant());
            if (token.key(resolved.alias()).isPresent()) {
                throw new Refusal("the token already holds a key under the alias " + resolved.alias()
                        + "; it was kept, and replacing a key (rotation) is not available in this version");
            }
            TokenKey key = token.generateKey(resolved.alias(), algorithm);
            out.println("alias: " + key.alias());
            out.println("algorithm: " + algorithm.cliName());
            out.println("public key SHA-256: " + sha256(key.publicKey().getEncoded()));
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }
}
