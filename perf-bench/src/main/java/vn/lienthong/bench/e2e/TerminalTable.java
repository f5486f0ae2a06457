package vn.lienthong.bench.e2e;

import java.io.PrintStream;
import vn.lienthong.bench.baseline.BaselineFigures;
import vn.lienthong.bench.report.BenchReport;

/** The short table printed at the end of a run: each load point and the baselines it is divided by. */
final class TerminalTable {

    private TerminalTable() {
    }

    static void print(BenchReport report, PrintStream out) {
        BaselineFigures b = report.baselines();
        out.println();
        out.printf("%7s %10s %10s %9s %9s %9s %9s %9s %10s %8s%n", "clients", "accepted/s", "delivered/s",
                "x rawHSM", "acc p50", "acc p99", "acc max", "dlv p99", "cpu ms/doc", "errors");
        for (BenchReport.Point p : report.results()) {
            out.printf("%7d %10.0f %11.0f %9.2f %7.1fms %7.1fms %7.1fms %7.0fms %10.2f %8d%n", p.clients(),
                    p.acceptedPerSecond(), p.deliveredPerSecond(), p.ratios().get("acceptedOverRawHsmSign"),
                    p.accept().p50(), p.accept().p99(), p.accept().max(), p.delivery().p99(),
                    p.cpu().get("bothAppliancesMillisPerDocument"),
                    p.errors().values().stream().mapToLong(Long::longValue).sum());
        }
        out.println();
        out.printf("baselines: raw HSM %s %.0f sig/s (p50 %.0f us, one thread); LMDB durable commits %.0f/s at 1 per"
                        + " transaction, %.0f puts/s at 100 per transaction%n", b.hsm().algorithm(), b.hsm().perSecond(),
                b.hsm().p50Micros(), lmdb(b, 1).commitsPerSecond(), lmdb(b, 100).putsPerSecond());
        for (BaselineFigures.Tls t : b.tls()) {
            out.printf("axis TLS  %-9s %-8s  %7.0f full handshakes/s  %7.0f keep-alive requests/s%n", t.engine(),
                    t.certificate(), t.handshakesPerSecond(), t.keepAliveRequestsPerSecond());
        }
        BenchReport.DoneWhen d = report.doneWhen();
        out.printf("targets (%d clients): accepted %.1f x raw HSM (>= 10: %s), accept p99 %.1f ms (< 50: %s),"
                        + " delivered %.1f x raw HSM (>= 5: %s)%n", d.clients(), d.acceptedOverRawHsm(),
                yes(d.acceptedAtLeast10x()), d.acceptP99(), yes(d.acceptP99Under50ms()), d.deliveredOverRawHsm(),
                yes(d.deliveredAtLeast5x()));
    }

    private static BaselineFigures.LmdbCommits lmdb(BaselineFigures b, int perTransaction) {
        return b.lmdb().stream().filter(l -> l.putsPerTransaction() == perTransaction).findFirst()
                .orElse(new BaselineFigures.LmdbCommits(perTransaction, 0, 0, 0, 0, 0, 0));
    }

    private static String yes(boolean met) {
        return met ? "met" : "NOT met";
    }
}
