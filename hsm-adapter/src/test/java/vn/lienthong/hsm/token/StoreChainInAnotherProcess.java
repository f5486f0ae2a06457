package vn.lienthong.hsm.token;

import java.nio.file.Files;
import java.nio.file.Path;
import vn.lienthong.hsm.cert.Pem;

/** Run in a child JVM by {@link BulkKeysTest}: what the operator CLI does when it imports a certificate. */
public final class StoreChainInAnotherProcess {
    private StoreChainInAnotherProcess() {
    }

    /** Arguments: token label, PIN file, alias, certificate chain file (PEM, leaf first). */
    public static void main(String[] args) throws Exception {
        var config = new TokenConfig(TokenConfig.SOFTHSM2_LIBRARY, args[0], new PinSource.File(Path.of(args[1])));
        try (Token token = Token.open(config)) {
            token.storeChain(args[2], Pem.certificates(Files.readAllBytes(Path.of(args[3]))));
        }
        System.out.println("stored the chain of " + args[2]);
    }
}
