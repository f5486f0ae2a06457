package vn.lienthong.bench.e2e;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import vn.lienthong.appliance.demo.ApplianceSetup;

/**
 * What the load is aimed at: the sending appliance (its local API and operations port), the
 * receiving one (its operations port, if known), the root that issued their TLS certificates, and
 * the sending tenants with their document systems' identities and the tenants they send to
 * ({@code senders.get(i)} sends to {@code receivers.get(i)}).
 */
public record Targets(BenchAppliances.Running sender, BenchAppliances.Running receiver, X509Certificate root,
                      List<String> senders, List<String> receivers,
                      Map<String, ApplianceSetup.DmsIdentity> documentSystems) {
}
