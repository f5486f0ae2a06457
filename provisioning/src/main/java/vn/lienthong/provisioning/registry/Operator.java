package vn.lienthong.provisioning.registry;

/**
 * A person allowed to use the operator API: a name for the audit log, a role, and the SHA-256
 * fingerprint (lower-case hex, of the DER) of the client certificate that authenticates them.
 */
public record Operator(String name, OperatorRole role, String certificateSha256) {

    public Operator {
        if (name == null || name.isBlank() || name.length() > 64 || name.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("an operator needs a name of 1 to 64 characters without control characters");
        }
        name = name.strip();
        if (role == null) {
            throw new IllegalArgumentException("operator " + name + " needs a role");
        }
        certificateSha256 = Fingerprints.requireSha256Hex(certificateSha256, "an operator certificate fingerprint");
    }
}
