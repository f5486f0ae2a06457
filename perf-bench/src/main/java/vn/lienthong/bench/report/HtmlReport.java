package vn.lienthong.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleFunction;
import vn.lienthong.bench.baseline.BaselineFigures;

/**
 * {@code report.html}: one self-contained page (inline SVG, no script, nothing fetched when viewed)
 * with the run's figures, their ratios to the baselines, and charts of throughput and latency over
 * time, of latency percentiles and, for a sweep, of latency against throughput.
 */
public final class HtmlReport {

    private static final String ACCEPT = "#1f77b4";
    private static final String DELIVER = "#2ca02c";
    private static final String TAIL = "#d62728";
    private static final String MAX = "#9467bd";

    private HtmlReport() {
    }

    /** A line of a chart: its name, colour and points. */
    record Series(String name, String color, double[] x, double[] y) {
    }

    public static String render(BenchReport report) {
        StringBuilder html = new StringBuilder();
        BenchReport.Run run = report.run();
        html.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<title>lienthong bench e2e ").append(esc(run.startedAt())).append("</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}")
                .append("table{border-collapse:collapse;margin:8px 0 16px}td,th{border:1px solid #ccc;padding:3px 8px;")
                .append("text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}")
                .append(".met{color:#2ca02c;font-weight:bold}.miss{color:#d62728;font-weight:bold}")
                .append("svg{background:#fff;border:1px solid #ddd;margin:4px 8px 12px 0}h2{margin-top:28px}")
                .append(".note{color:#555;font-size:90%}</style></head><body>\n");
        html.append("<h1>lienthong bench e2e</h1><p class=\"note\">").append(esc(run.command())).append("<br>")
                .append(esc(run.startedAt())).append(" · ").append(run.cores()).append(" cores · load average ")
                .append(f1(run.loadAverageAtStart())).append(" → ").append(f1(run.loadAverageAtEnd())).append(" · ")
                .append(esc(run.java())).append(" · ").append(esc(run.mode())).append(" · ")
                .append(run.documentBytes()).append(" B edXML · ").append(run.tenants()).append(" tenant(s) · keys ")
                .append(esc(run.keys())).append(" · warm-up ").append(f1(run.warmupSeconds())).append(" s, measured ")
                .append(f1(run.durationSeconds())).append(" s per point · ")
                .append(run.appliancesStartedByBench() ? "appliances started by the bench" : "existing appliances")
                .append("</p>\n");

        BenchReport.DoneWhen d = report.doneWhen();
        html.append("<h2>Targets</h2><table><tr><th>target (").append(d.clients()).append(" clients)</th><th>measured</th><th>status</th></tr>")
                .append(row("accepted docs/s ≥ 10 × raw HSM sign rate", f1(d.acceptedOverRawHsm()) + " ×", d.acceptedAtLeast10x()))
                .append(row("accept p99 < 50 ms", f1(d.acceptP99()) + " ms", d.acceptP99Under50ms()))
                .append(row("delivered docs/s ≥ 5 × raw HSM sign rate", f1(d.deliveredOverRawHsm()) + " ×", d.deliveredAtLeast5x()))
                .append("</table>\n");

        html.append("<h2>Results</h2><table><tr><th>clients</th><th>accepted/s</th><th>delivered/s</th>")
                .append("<th>accept p50 / p90 / p99 / p99.9 / max (ms)</th><th>delivery p50 / p99 / max (ms)</th>")
                .append("<th>CPU ms/doc (sender, receiver)</th><th>heap MiB (sender idle→max)</th><th>errors</th></tr>");
        for (BenchReport.Point p : report.results()) {
            html.append("<tr><td>").append(p.clients()).append(p.targetRatePerSecond() == null ? ""
                            : " @ " + f0(p.targetRatePerSecond()) + "/s").append("</td><td>").append(f0(p.acceptedPerSecond()))
                    .append("</td><td>").append(f0(p.deliveredPerSecond())).append("</td><td>")
                    .append(lat(p.accept().p50(), p.accept().p90(), p.accept().p99(), p.accept().p999(), p.accept().max()))
                    .append("</td><td>").append(lat(p.delivery().p50(), p.delivery().p99(), p.delivery().max()))
                    .append(" <span class=\"note\">(").append(p.deliverySampled()).append(" sampled")
                    .append(p.notDeliveredInSample() > 0 ? ", " + p.notDeliveredInSample() + " not delivered" : "")
                    .append(")</span></td><td>").append(f2(p.cpu().get("senderMillisPerAcceptedDocument"))).append(", ")
                    .append(f2(p.cpu().get("receiverMillisPerDeliveredDocument"))).append("</td><td>")
                    .append(f0(p.heapMiB().get("senderIdle"))).append("→").append(f0(p.heapMiB().get("senderMax")))
                    .append("</td><td>").append(esc(p.errors().isEmpty() ? "0" : p.errors().toString())).append("</td></tr>");
        }
        html.append("</table>\n");

        html.append("<h2>Ratios to the baselines of this run</h2><table><tr><th>ratio</th>");
        report.results().forEach(p -> html.append("<th>").append(p.clients()).append(" clients</th>"));
        html.append("</tr>");
        if (!report.results().isEmpty()) {
            for (String key : report.results().getFirst().ratios().keySet()) {
                html.append("<tr><td>").append(esc(key)).append("</td>");
                report.results().forEach(p -> html.append("<td>").append(f2(p.ratios().get(key))).append("</td>"));
                html.append("</tr>");
            }
            html.append("</table><h2>Where the time goes (the appliances' own metrics, per document)</h2><table><tr><th>figure</th>");
            report.results().forEach(p -> html.append("<th>").append(p.clients()).append(" clients</th>"));
            html.append("</tr>");
            for (String key : report.results().getFirst().appliance().keySet()) {
                html.append("<tr><td>").append(esc(key)).append("</td>");
                report.results().forEach(p -> html.append("<td>").append(f2(p.appliance().get(key))).append("</td>"));
                html.append("</tr>");
            }
        }
        html.append("</table>\n");

        BaselineFigures b = report.baselines();
        html.append("<h2>Baselines (same run, ").append(f1(b.secondsEach())).append(" s each)</h2><table>")
                .append("<tr><th>baseline</th><th>per second</th><th>p50 µs</th><th>p99 µs</th><th>note</th></tr>");
        for (BaselineFigures.HsmSign h : b.hsmAll()) {
            html.append("<tr><td>raw HSM sign ").append(esc(h.algorithm())).append(", 1 thread</td><td>")
                    .append(f0(h.perSecond())).append("</td><td>").append(f0(h.p50Micros())).append("</td><td>")
                    .append(f0(h.p99Micros())).append("</td><td>").append(f0(h.cpuMicrosPerSignature()))
                    .append(" µs CPU per signature</td></tr>");
        }
        for (BaselineFigures.LmdbCommits l : b.lmdb()) {
            html.append("<tr><td>raw durable LMDB commit, ").append(l.putsPerTransaction()).append(" × ")
                    .append(l.valueBytes()).append(" B per transaction</td><td>").append(f0(l.commitsPerSecond()))
                    .append(" commits</td><td>").append(f0(l.p50Micros())).append("</td><td>").append(f0(l.p99Micros()))
                    .append("</td><td>").append(f0(l.putsPerSecond())).append(" puts/s</td></tr>");
        }
        html.append("</table><h2>Axis listener TLS: BoringSSL and the JDK</h2><table><tr><th>engine</th><th>certificate</th>")
                .append("<th>full handshakes/s</th><th>keep-alive requests/s</th><th>client threads</th></tr>");
        for (BaselineFigures.Tls t : b.tls()) {
            html.append("<tr><td>").append(esc(t.engine())).append("</td><td>").append(esc(t.certificate()))
                    .append("</td><td>").append(f0(t.handshakesPerSecond())).append("</td><td>")
                    .append(f0(t.keepAliveRequestsPerSecond())).append("</td><td>").append(t.clientThreads()).append("</td></tr>");
        }
        html.append("</table><table><tr><th>TLS ratio</th><th>value</th></tr>");
        for (Map.Entry<String, Double> e : report.tlsRatios().entrySet()) {
            html.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(f2(e.getValue())).append("</td></tr>");
        }
        html.append("</table><p>Faster engine in this run: <b>").append(esc(report.tlsDefault())).append("</b>.</p>\n");

        if (report.results().size() > 1) {
            html.append("<h2>Throughput and latency (sweep)</h2>");
            double[] x = report.results().stream().mapToDouble(BenchReport.Point::acceptedPerSecond).toArray();
            html.append(chart("accept latency against accepted docs/s", "docs/s", "ms", List.of(
                    new Series("p50", ACCEPT, x, report.results().stream().mapToDouble(p -> p.accept().p50()).toArray()),
                    new Series("p99", TAIL, x, report.results().stream().mapToDouble(p -> p.accept().p99()).toArray())),
                    HtmlReport::f0, true));
            double[] c = report.results().stream().mapToDouble(BenchReport.Point::clients).toArray();
            html.append(chart("throughput against clients", "clients", "docs/s", List.of(
                    new Series("accepted/s", ACCEPT, c, x),
                    new Series("delivered/s", DELIVER, c, report.results().stream().mapToDouble(BenchReport.Point::deliveredPerSecond).toArray())),
                    HtmlReport::f0, true));
        }
        for (BenchReport.Point p : report.results()) {
            html.append("<h2>").append(p.clients()).append(" clients</h2>");
            double[] t = p.timeline().stream().mapToDouble(BenchReport.Second::second).toArray();
            html.append(chart("throughput over time", "second", "docs/s", List.of(
                    new Series("accepted/s", ACCEPT, t, p.timeline().stream().mapToDouble(s -> s.accepted()).toArray()),
                    new Series("delivered/s", DELIVER, t, p.timeline().stream().mapToDouble(BenchReport.Second::delivered).toArray())),
                    HtmlReport::f0, true));
            html.append(chart("accept latency over time", "second", "ms", List.of(
                    new Series("p50", ACCEPT, t, p.timeline().stream().mapToDouble(BenchReport.Second::acceptP50).toArray()),
                    new Series("p99", TAIL, t, p.timeline().stream().mapToDouble(BenchReport.Second::acceptP99).toArray()),
                    new Series("max", MAX, t, p.timeline().stream().mapToDouble(BenchReport.Second::acceptMax).toArray())),
                    HtmlReport::f0, true));
            List<BenchReport.Percentile> ps = p.percentiles().stream().filter(q -> q.percentile() < 100).toList();
            double[] nines = ps.stream().mapToDouble(q -> nines(q.percentile())).toArray();
            html.append(chart("latency by percentile", "percentile", "ms", List.of(
                    new Series("accept", ACCEPT, nines, ps.stream().mapToDouble(BenchReport.Percentile::accept).toArray()),
                    new Series("delivery", DELIVER, nines, ps.stream().mapToDouble(BenchReport.Percentile::delivery).toArray())),
                    n -> trim(100 - 100 / Math.pow(10, n)) + "%", false));
            html.append(chart("heap in use over time", "second", "MiB", List.of(
                    new Series("sender", ACCEPT, t, p.timeline().stream().mapToDouble(BenchReport.Second::senderHeapMiB).toArray()),
                    new Series("receiver", DELIVER, t, p.timeline().stream().mapToDouble(BenchReport.Second::receiverHeapMiB).toArray())),
                    HtmlReport::f0, true));
        }
        html.append("<p class=\"note\">What each figure means: perf-bench/README.md. report.json holds every number.</p>")
                .append("</body></html>\n");
        return html.toString();
    }

    /** The percentile as "nines": 90 → 1, 99 → 2, 99.9 → 3; an even spread of the tail on the x axis. */
    private static double nines(double percentile) {
        return -Math.log10(Math.max(1e-6, 1 - percentile / 100));
    }

    /** A line chart in SVG, 520 × 260, with axes, five grid lines, a legend, and points marked. */
    static String chart(String title, String xName, String yUnit, List<Series> series, DoubleFunction<String> xLabel,
                        boolean linearX) {
        int w = 520;
        int h = 260;
        int left = 56;
        int right = 14;
        int top = 30;
        int bottom = 40;
        double xMin = Double.MAX_VALUE;
        double xMax = -Double.MAX_VALUE;
        double yMax = 0;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                xMin = Math.min(xMin, s.x()[i]);
                xMax = Math.max(xMax, s.x()[i]);
                yMax = Math.max(yMax, s.y()[i]);
            }
        }
        if (xMin == Double.MAX_VALUE) {
            xMin = 0;
            xMax = 1;
        }
        if (xMax == xMin) {
            xMax = xMin + 1;
        }
        yMax = niceCeiling(yMax);
        double fx0 = xMin;
        double fx1 = xMax;
        double fy1 = yMax;
        DoubleFunction<Double> px = v -> left + (v - fx0) / (fx1 - fx0) * (w - left - right);
        DoubleFunction<Double> py = v -> top + (1 - v / fy1) * (h - top - bottom);
        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(w).append("\" height=\"").append(h)
                .append("\" viewBox=\"0 0 ").append(w).append(' ').append(h).append("\" font-family=\"sans-serif\" font-size=\"11\">")
                .append("<text x=\"").append(left).append("\" y=\"16\" font-size=\"13\" font-weight=\"bold\">")
                .append(esc(title)).append("</text>");
        for (int i = 0; i <= 4; i++) {
            double v = fy1 * i / 4;
            double y = py.apply(v);
            svg.append(line(left, y, w - right, y, "#eee")).append("<text x=\"").append(left - 4).append("\" y=\"")
                    .append(f1(y + 4)).append("\" text-anchor=\"end\">").append(esc(trim(v))).append("</text>");
        }
        List<Double> ticks = new ArrayList<>();
        if (linearX) {
            double step = niceCeiling((xMax - xMin) / 6);
            for (double v = Math.ceil(xMin / step) * step; v <= xMax + 1e-9; v += step) {
                ticks.add(v);
            }
        } else {
            for (double n = Math.ceil(xMin); n <= xMax + 1e-9; n++) {
                ticks.add(n);
            }
        }
        for (double v : ticks) {
            double x = px.apply(v);
            svg.append(line(x, top, x, h - bottom, "#f3f3f3")).append("<text x=\"").append(f1(x)).append("\" y=\"")
                    .append(h - bottom + 14).append("\" text-anchor=\"middle\">").append(esc(xLabel.apply(v))).append("</text>");
        }
        svg.append(line(left, h - bottom, w - right, h - bottom, "#888")).append(line(left, top, left, h - bottom, "#888"))
                .append("<text x=\"").append((left + w - right) / 2).append("\" y=\"").append(h - 6)
                .append("\" text-anchor=\"middle\" fill=\"#555\">").append(esc(xName)).append("</text>")
                .append("<text x=\"12\" y=\"").append((top + h - bottom) / 2).append("\" fill=\"#555\" transform=\"rotate(-90 12 ")
                .append((top + h - bottom) / 2).append(")\" text-anchor=\"middle\">").append(esc(yUnit)).append("</text>");
        int legendX = w - right - 8;
        for (int k = series.size() - 1; k >= 0; k--) {
            Series s = series.get(k);
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < s.x().length; i++) {
                points.append(f1(px.apply(s.x()[i]))).append(',').append(f1(py.apply(s.y()[i]))).append(' ');
            }
            svg.append("<polyline fill=\"none\" stroke-width=\"1.8\" stroke=\"").append(s.color()).append("\" points=\"")
                    .append(points.toString().strip()).append("\"/>");
            if (s.x().length <= 40) {
                for (int i = 0; i < s.x().length; i++) {
                    svg.append("<circle r=\"2.5\" fill=\"").append(s.color()).append("\" cx=\"").append(f1(px.apply(s.x()[i])))
                            .append("\" cy=\"").append(f1(py.apply(s.y()[i]))).append("\"/>");
                }
            }
        }
        for (Series s : series) {
            int width = 14 + 7 * s.name().length();
            legendX -= width;
            svg.append("<rect x=\"").append(legendX).append("\" y=\"").append(top - 12).append("\" width=\"10\" height=\"3\" fill=\"")
                    .append(s.color()).append("\"/><text x=\"").append(legendX + 13).append("\" y=\"").append(top - 8)
                    .append("\">").append(esc(s.name())).append("</text>");
        }
        return svg.append("</svg>\n").toString();
    }

    private static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String line(double x1, double y1, double x2, double y2, String color) {
        return "<line x1=\"" + f1(x1) + "\" y1=\"" + f1(y1) + "\" x2=\"" + f1(x2) + "\" y2=\"" + f1(y2)
                + "\" stroke=\"" + color + "\"/>";
    }

    private static String row(String target, String measured, boolean met) {
        return "<tr><td>" + esc(target) + "</td><td>" + esc(measured) + "</td><td class=\"" + (met ? "met\">met" : "miss\">not met")
                + "</td></tr>";
    }

    private static String lat(double... values) {
        List<String> parts = new ArrayList<>();
        for (double v : values) {
            parts.add(f1(v));
        }
        return String.join(" / ", parts);
    }

    private static String trim(double v) {
        if (Math.abs(v - Math.rint(v)) < 1e-9) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        return String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static String f0(double v) {
        return String.format(Locale.ROOT, "%.0f", v);
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f2(Double v) {
        return v == null ? "" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String esc(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
