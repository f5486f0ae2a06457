package vn.lienthong.bench.e2e;

import java.io.PrintStream;
import java.util.List;
import vn.lienthong.bench.report.BenchReport;

/** The scale mode's summary: on the terminal after the run, and as the first section of report.html. */
final class ScaleTable {

    private ScaleTable() {
    }

    static void print(ScaleComparison.Scale scale, List<BenchReport.Point> results, PrintStream out) {
        out.println();
        out.printf("scale: %d tenants per appliance (%s keys, all in one SoftHSM2 token per appliance)%n",
                scale.tenants(), scale.keys());
        out.printf("%-12s %12s %10s %10s %11s %11s %11s %11s %9s%n", "appliances", "provision s", "start s",
                "start s", "idle heap", "idle RSS", "loaded RSS", "metric", "");
        out.printf("%-12s %12s %10s %10s %11s %11s %11s %11s%n", "", "", "sender", "receiver", "sender MiB",
                "sender MiB", "sender MiB", "samples");
        for (ScaleComparison.Configuration c : scale.configurations()) {
            out.printf("%-12s %12.1f %10.1f %10.1f %11.0f %11.0f %11.0f %11.0f%n", c.name(), c.provisionSeconds(),
                    c.startupSeconds().get("sender"), c.startupSeconds().get("receiver"), c.idleHeapMiB().get("sender"),
                    c.idleRssMiB().get("sender"), c.loadedRssMiB().get("sender"), c.metricSamples().get("sender"));
        }
        out.printf("%-12s %14s %11s %12s %13s %9s %15s%n", "load on", "over tenants", "accepted/s", "delivered/s",
                "flow dlv/s", "acc p99", "samples after");
        for (ScaleComparison.Load load : scale.loads()) {
            BenchReport.Point p = results.get(load.resultIndex());
            out.printf("%-12s %14d %11.0f %12.0f %13.1f %7.0fms %15.0f%n", load.configuration(), load.loadedTenants(),
                    p.acceptedPerSecond(), p.deliveredPerSecond(), load.deliveredFlowPerSecond(), p.accept().p99(),
                    load.senderMetricSamplesAfter());
        }
        out.printf("scale target (%d tenants, load over %d of them, >= 0.8 x the single-tenant pair): accepted %.2f x"
                        + " (%s), delivered flow %.2f x (%s), delivered in the window %.2f x; through 1 of %d tenants:"
                        + " accepted %.2f x, delivered flow %.2f x%n",
                scale.tenants(), scale.sample(), scale.ratios().get("acceptedSampleOverSingle"),
                scale.acceptedAtLeast08() ? "met" : "NOT met", scale.ratios().get("deliveredFlowSampleOverSingle"),
                scale.deliveredFlowAtLeast08() ? "met" : "NOT met", scale.ratios().get("deliveredSampleOverSingle"),
                scale.tenants(), scale.ratios().get("acceptedOneOfManyOverSingle"),
                scale.ratios().get("deliveredFlowOneOfManyOverSingle"));
    }

    /** {@code page} (HtmlReport's) with the scale section put first in its body. */
    static String html(ScaleComparison.Scale scale, List<BenchReport.Point> results, String page) {
        StringBuilder section = new StringBuilder("<section><h2>Scale: " + scale.tenants()
                + " tenants per appliance against one</h2>\n<table><tr><th>appliances</th><th>provisioned (s)</th>"
                + "<th>sender started (s)</th><th>receiver started (s)</th><th>sender idle heap (MiB)</th>"
                + "<th>sender idle RSS (MiB)</th><th>sender RSS after load (MiB)</th><th>sender metric samples</th></tr>\n");
        for (ScaleComparison.Configuration c : scale.configurations()) {
            section.append(String.format("<tr><td>%s</td><td>%.1f</td><td>%.1f</td><td>%.1f</td><td>%.0f</td>"
                            + "<td>%.0f</td><td>%.0f</td><td>%.0f</td></tr>%n", c.name(), c.provisionSeconds(),
                    c.startupSeconds().get("sender"), c.startupSeconds().get("receiver"), c.idleHeapMiB().get("sender"),
                    c.idleRssMiB().get("sender"), c.loadedRssMiB().get("sender"), c.metricSamples().get("sender")));
        }
        section.append("</table>\n<table><tr><th>load on</th><th>over tenants</th><th>accepted/s</th>"
                + "<th>delivered/s (window)</th><th>delivered/s (flow, drain included)</th><th>accept p99 (ms)</th>"
                + "<th>sender metric samples after</th></tr>\n");
        for (ScaleComparison.Load load : scale.loads()) {
            BenchReport.Point p = results.get(load.resultIndex());
            section.append(String.format("<tr><td>%s</td><td>%d</td><td>%.0f</td><td>%.0f</td><td>%.1f</td><td>%.0f</td>"
                            + "<td>%.0f</td></tr>%n", load.configuration(), load.loadedTenants(), p.acceptedPerSecond(),
                    p.deliveredPerSecond(), load.deliveredFlowPerSecond(), p.accept().p99(),
                    load.senderMetricSamplesAfter()));
        }
        section.append(String.format("</table>\n<p>Target: throughput with %d tenants (load over %d) at least 0.8 ×"
                        + " the single-tenant pair's: accepted <b>%.2f ×</b> (%s), delivered flow <b>%.2f ×</b> (%s).</p>"
                        + "</section>\n", scale.tenants(), scale.sample(), scale.ratios().get("acceptedSampleOverSingle"),
                scale.acceptedAtLeast08() ? "met" : "not met", scale.ratios().get("deliveredFlowSampleOverSingle"),
                scale.deliveredFlowAtLeast08() ? "met" : "not met"));
        int body = page.indexOf("<body>");
        return body < 0 ? section + page : page.substring(0, body + "<body>".length()) + "\n" + section
                + page.substring(body + "<body>".length());
    }
}
