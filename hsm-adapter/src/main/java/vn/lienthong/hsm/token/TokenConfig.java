package vn.lienthong.hsm.token;

import java.nio.file.Path;

/** How to reach one PKCS#11 token: the module library, the token's label, and where its user PIN comes from. */
public record TokenConfig(Path library, String label, PinSource pin) {
    /** Debian's SoftHSM2 module. */
    public static final Path SOFTHSM2_LIBRARY = Path.of("/usr/lib/softhsm/libsofthsm2.so");
}
