package vn.lienthong.hsm.token;

/** The key pairs the appliance generates inside a token; {@link #cliName()} is the operator's spelling. */
public enum KeyAlgorithm {
    RSA_2048("rsa2048"),
    EC_P256("ecp256");

    private final String cliName;

    KeyAlgorithm(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    /** The algorithm for {@code rsa2048} or {@code ecp256}; IllegalArgumentException with a plain sentence otherwise. */
    public static KeyAlgorithm fromCliName(String name) {
        for (KeyAlgorithm a : values()) {
            if (a.cliName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unknown key algorithm '" + name + "': use rsa2048 or ecp256");
    }
}
