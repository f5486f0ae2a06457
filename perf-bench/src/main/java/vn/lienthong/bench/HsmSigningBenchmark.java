package vn.lienthong.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import vn.lienthong.hsm.cms.CmsSigner;
import vn.lienthong.hsm.sign.SignatureAlgorithm;
import vn.lienthong.hsm.sign.Signatures;
import vn.lienthong.hsm.testing.SoftHsmTestToken;
import vn.lienthong.hsm.token.KeyAlgorithm;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenKey;

/**
 * One RSA-2048 signature in a SoftHSM2 token three ways: the raw SunPKCS11 {@code Signature}
 * (the baseline), {@link Signatures#sign}, and a detached CMS SignedData from {@link CmsSigner}.
 *
 * <p>Each fork makes its own token. SoftHSM2 reads {@code SOFTHSM2_CONF} from the environment,
 * which the forks inherit: run it through {@code perf-bench/bench-hsm.sh}, or set
 * {@code SOFTHSM2_CONF} to a file path in a writable directory yourself.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.crypto.cryptoki",
        "--add-exports=jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED"})
public class HsmSigningBenchmark {

    /** About the size of an envelope header: the bytes the appliance signs per message. */
    private static final byte[] HEADER = ("{\"id\":\"0c8f4e2a-7d1b-4c57-9a1e-3f0b6d2c9e41\",\"from\":\"000.00.00.G22\","
            + "\"to\":[\"000.00.01.H29\"],\"created\":\"2026-11-26T10:15:30Z\",\"type\":\"edXML\","
            + "\"sha256\":\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"}")
            .getBytes(StandardCharsets.UTF_8);

    private SoftHsmTestToken softHsm;
    private Token token;
    private TokenKey key;
    private Signature raw;
    private CmsSigner cms;

    @Setup(Level.Trial)
    public void openToken() throws GeneralSecurityException {
        String conf = System.getenv("SOFTHSM2_CONF");
        if (conf == null) {
            throw new IllegalStateException("set SOFTHSM2_CONF to a softhsm2.conf path in a writable directory"
                    + " (perf-bench/bench-hsm.sh does)");
        }
        // The fixture writes its softhsm2.conf and tokens beside the file SOFTHSM2_CONF names.
        System.setProperty("lienthong.test.softhsm.dir", Path.of(conf).toAbsolutePath().getParent().toString());
        softHsm = SoftHsmTestToken.create("bench");
        token = Token.open(softHsm.config());
        key = token.generateKey("bench-rsa", KeyAlgorithm.RSA_2048);
        cms = new CmsSigner(token.provider());
        // The baseline keeps one initialised Signature, the cheapest way to use SunPKCS11 directly.
        raw = Signature.getInstance("SHA256withRSA", token.provider());
        raw.initSign(key.privateKey());
    }

    @TearDown(Level.Trial)
    public void closeToken() {
        token.close();
        softHsm.close();
    }

    @Benchmark
    public byte[] rawSunPkcs11() throws GeneralSecurityException {
        raw.update(HEADER);
        return raw.sign();
    }

    @Benchmark
    public byte[] signatures() {
        return Signatures.sign(key, SignatureAlgorithm.SHA256_WITH_RSA, HEADER);
    }

    @Benchmark
    public byte[] cmsDetached() {
        return cms.signDetached(key, HEADER);
    }
}
