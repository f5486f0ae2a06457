package vn.lienthong.bench.e2e;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import vn.lienthong.bench.baseline.BaselineFigures;
import vn.lienthong.bench.report.BenchReport;

/** Every figure of a run divided by its baseline of the same run, and where the targets stand. */
final class Ratios {

    private Ratios() {
    }

    static Map<String, Double> point(BaselineFigures b, double acceptedPerSecond, double deliveredPerSecond,
                                     BenchReport.Latency accept, double senderCpuMillisPerDocument,
                                     Map<String, Double> heap) {
        Map<String, Double> r = new LinkedHashMap<>();
        r.put("acceptedOverRawHsmSign", ratio(acceptedPerSecond, b.hsm().perSecond()));
        r.put("deliveredOverRawHsmSign", ratio(deliveredPerSecond, b.hsm().perSecond()));
        BaselineFigures.LmdbCommits one = lmdb(b, 1);
        BaselineFigures.LmdbCommits hundred = lmdb(b, 100);
        r.put("acceptedOverRawLmdbCommits1", one == null ? 0 : ratio(acceptedPerSecond, one.commitsPerSecond()));
        r.put("acceptedOverRawLmdbPuts100", hundred == null ? 0 : ratio(acceptedPerSecond, hundred.putsPerSecond()));
        r.put("acceptP50OverRawSignP50", ratio(accept.p50() * 1000, b.hsm().p50Micros()));
        r.put("senderCpuPerDocumentOverRawSignCpu", ratio(senderCpuMillisPerDocument * 1000, b.hsm().cpuMicrosPerSignature()));
        r.put("senderHeapMaxOverIdle", ratio(heap.get("senderMax"), heap.get("senderIdle")));
        r.put("receiverHeapMaxOverIdle", ratio(heap.get("receiverMax"), heap.get("receiverIdle")));
        return r;
    }

    /** JDK over BoringSSL for each certificate, and the axis listener's handshakes over raw signing. */
    static Map<String, Double> tls(BaselineFigures b) {
        Map<String, Double> r = new LinkedHashMap<>();
        for (String certificate : List.of("RSA-2048", "EC P-256")) {
            BaselineFigures.Tls boring = tls(b, "boringssl", certificate);
            BaselineFigures.Tls jdk = tls(b, "jdk", certificate);
            String key = certificate.startsWith("RSA") ? "Rsa" : "Ec";
            if (boring != null && jdk != null) {
                r.put("jdkOverBoringsslHandshakes" + key, ratio(jdk.handshakesPerSecond(), boring.handshakesPerSecond()));
                r.put("jdkOverBoringsslKeepAliveRequests" + key,
                        ratio(jdk.keepAliveRequestsPerSecond(), boring.keepAliveRequestsPerSecond()));
            }
            if (boring != null) {
                r.put("boringsslHandshakesOverRawSign" + key,
                        ratio(boring.handshakesPerSecond(), b.hsmFor(certificate).perSecond()));
            }
        }
        return r;
    }

    /** The engine that made more handshakes and requests in this run (the appliance's default is BoringSSL). */
    static String tlsDefault(BaselineFigures b) {
        double boring = 0;
        double jdk = 0;
        for (BaselineFigures.Tls t : b.tls()) {
            double score = t.handshakesPerSecond() + t.keepAliveRequestsPerSecond();
            if (t.engine().equals("jdk")) {
                jdk += score;
            } else {
                boring += score;
            }
        }
        return boring >= jdk ? "boringssl" : "jdk";
    }

    static BenchReport.DoneWhen doneWhen(List<BenchReport.Point> points) {
        BenchReport.Point p = points.stream().filter(x -> x.clients() == 64).findFirst().orElse(points.getLast());
        double accepted = p.ratios().get("acceptedOverRawHsmSign");
        double delivered = p.ratios().get("deliveredOverRawHsmSign");
        return new BenchReport.DoneWhen(p.clients(), accepted, accepted >= 10, p.accept().p99(),
                p.accept().count() > 0 && p.accept().p99() < 50, delivered, delivered >= 5);
    }

    private static BaselineFigures.LmdbCommits lmdb(BaselineFigures b, int perTransaction) {
        return b.lmdb().stream().filter(l -> l.putsPerTransaction() == perTransaction).findFirst().orElse(null);
    }

    private static BaselineFigures.Tls tls(BaselineFigures b, String engine, String certificate) {
        return b.tls().stream().filter(t -> t.engine().equals(engine) && t.certificate().equals(certificate))
                .findFirst().orElse(null);
    }

    static double ratio(double value, double baseline) {
        return baseline <= 0 ? 0 : value / baseline;
    }
}
