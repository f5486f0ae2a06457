package vn.lienthong.hsm.token;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import vn.lienthong.hsm.HsmException;

/**
 * Finds the slot of a token by its label, which SunPKCS11's configuration cannot do (it knows slots
 * and slot indexes only, and slot numbers change when tokens are added).
 *
 * <p>It goes through the JDK's own PKCS#11 wrapper, reflectively because {@code javac --release}
 * does not let code compile against it (the JVM runs with {@code --add-exports
 * jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED}). The wrapper keeps one instance per
 * library path, so the library is initialised once and shared with the providers made later.
 */
final class Slots {
    /** CK_C_INITIALIZE_ARGS.flags value CKF_OS_LOCKING_OK (PKCS#11 v2.40 §5.4). */
    private static final long CKF_OS_LOCKING_OK = 0x2L;
    private static final String WRAPPER = "sun.security.pkcs11.wrapper.";

    private Slots() {
    }

    /** How often a listing that failed with CKR_GENERAL_ERROR is tried again. */
    private static final int LISTING_ATTEMPTS = 3;

    /**
     * The slot holding the token with this label; HsmException listing the labels present otherwise.
     * SoftHSM2 rescans its token directory when slots are listed and can fail with CKR_GENERAL_ERROR
     * while another thread of the process signs: the listing (no login, nothing counted) is tried again.
     */
    static long find(Path library, String label) {
        for (int attempt = 1; ; attempt++) {
            try {
                return findOnce(library, label);
            } catch (HsmException e) {
                if (attempt >= LISTING_ATTEMPTS || !String.valueOf(e.getMessage()).contains("CKR_GENERAL_ERROR")) {
                    throw e;
                }
                try {
                    Thread.sleep(50L * attempt);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * The JDK wrapper's module for the library (one per library path in the process, shared with the
     * SunPKCS11 providers, so a login made through a provider holds for its sessions too).
     */
    static Object module(Path library) throws ReflectiveOperationException {
        Class<?> pkcs11 = Class.forName(WRAPPER + "PKCS11");
        Class<?> initArgsType = Class.forName(WRAPPER + "CK_C_INITIALIZE_ARGS");
        // Ask for OS locking as SunPKCS11 does: the wrapper is cached per library, and one made with
        // null arguments would make the library single-threaded for every provider after it.
        Object initArgs = initArgsType.getConstructor().newInstance();
        initArgsType.getField("flags").setLong(initArgs, CKF_OS_LOCKING_OK);
        Method getInstance = pkcs11.getMethod("getInstance",
                String.class, String.class, initArgsType, boolean.class);
        return getInstance.invoke(null, library.toString(), "C_GetFunctionList", initArgs, false);
    }

    private static long findOnce(Path library, String label) {
        if (!Files.isRegularFile(library)) {
            throw new HsmException("the PKCS#11 library " + library + " does not exist");
        }
        try {
            Class<?> pkcs11 = Class.forName(WRAPPER + "PKCS11");
            Object module = module(library);
            long[] slots = (long[]) pkcs11.getMethod("C_GetSlotList", boolean.class).invoke(module, true);
            Method getTokenInfo = pkcs11.getMethod("C_GetTokenInfo", long.class);

            List<Long> matches = new ArrayList<>();
            List<String> present = new ArrayList<>();
            for (long slot : slots) {
                Object info = getTokenInfo.invoke(module, slot);
                String slotLabel = new String((char[]) info.getClass().getField("label").get(info)).stripTrailing();
                if (slotLabel.isEmpty()) {
                    continue; // SoftHSM2's free slot, waiting for a token to be initialised
                }
                present.add("'" + slotLabel + "'");
                if (slotLabel.equals(label.stripTrailing())) {
                    matches.add(slot);
                }
            }
            if (matches.size() > 1) {
                throw new HsmException(matches.size() + " PKCS#11 tokens are labelled '" + label + "' in "
                        + library + ": relabel all but one");
            }
            if (matches.isEmpty()) {
                throw new HsmException("no PKCS#11 token labelled '" + label + "' in " + library + " (tokens present: "
                        + (present.isEmpty() ? "none" : String.join(", ", present)) + ")");
            }
            return matches.getFirst();
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new HsmException("the PKCS#11 library " + library + " failed while listing its tokens: "
                    + cause.getMessage(), cause);
        } catch (IllegalAccessException e) {
            throw new HsmException("the JVM must run with --add-exports "
                    + "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED to find a token by its label", e);
        } catch (ReflectiveOperationException e) {
            throw new HsmException("this JDK's PKCS#11 support (module jdk.crypto.cryptoki) is missing or changed: "
                    + e, e);
        }
    }
}
