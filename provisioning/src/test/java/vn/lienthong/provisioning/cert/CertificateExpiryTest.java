package vn.lienthong.provisioning.cert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.Test;
import vn.lienthong.provisioning.testing.TestCa;

class CertificateExpiryTest {

    @Test
    void namesTheTenantAndUsageAndWarnsFrom30DaysBeforeTheEnd() throws Exception {
        TestCa ca = TestCa.root("Expiry CA");
        var cert = ca.issue(new X500Name("CN=000.00.00.G22"), TestCa.ecKeys().getPublic(), Duration.ofDays(40));
        CertificateExpiry expiry = CertificateExpiry.of("sign-000.00.00.G22", cert);
        assertEquals("000.00.00.G22", expiry.tenant());
        assertEquals("signing", expiry.usage());
        assertEquals("000.00.00.G22", CertificateExpiry.of("sign-000.00.00.G22_2", cert).tenant(), "a rollover key");
        assertEquals("000.00.00.G22.2", CertificateExpiry.of("sign-000.00.00.G22.2", cert).tenant());
        Instant now = Instant.now();
        assertEquals("ok", expiry.state(now));
        assertNull(expiry.warning(now));
        assertEquals("expires-soon", expiry.state(now.plus(Duration.ofDays(15))));
        assertTrue(expiry.warning(now.plus(Duration.ofDays(15))).contains("tenant 000.00.00.G22"));
        assertEquals("expired", expiry.state(now.plus(Duration.ofDays(41))));
        assertTrue(expiry.warning(now.plus(Duration.ofDays(41))).contains("renew it now"));
        CertificateExpiry tls = CertificateExpiry.of("tls", cert);
        assertEquals(CertificateExpiry.APPLIANCE, tls.tenant());
        assertEquals("tls", tls.usage());
    }
}
