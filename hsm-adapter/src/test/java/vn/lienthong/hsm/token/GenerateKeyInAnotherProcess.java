package vn.lienthong.hsm.token;

import java.nio.file.Path;

/** Run in a child JVM by {@link TokenTest}: what the operator CLI does when it makes a key. */
public final class GenerateKeyInAnotherProcess {
    private GenerateKeyInAnotherProcess() {
    }

    /** Arguments: token label, PIN file, alias, key algorithm (cli name). */
    public static void main(String[] args) {
        var config = new TokenConfig(TokenConfig.SOFTHSM2_LIBRARY, args[0], new PinSource.File(Path.of(args[1])));
        try (Token token = Token.open(config)) {
            token.generateKey(args[2], KeyAlgorithm.fromCliName(args[3]));
        }
        System.out.println("generated " + args[2]);
    }
}
