package vn.lienthong.bench.e2e;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One reading of an appliance's {@code /metrics} (Prometheus text format): the bench takes the
 * differences of counters between two readings, so it asks the appliance what it did rather than
 * adding requests of its own to the load. One small GET per second.
 */
public record MetricsScrape(long nanoTime, List<Sample> samples) {

    /** One line: metric name, its labels as written ({@code {a="b"}} or empty) and its value. */
    public record Sample(String name, String labels, double value) {
    }

    /** Reads {@code ops}/metrics; an unreachable appliance gives an empty reading rather than failing the run. */
    public static MetricsScrape read(HttpClient http, URI ops) {
        long now = System.nanoTime();
        if (ops == null) {
            return new MetricsScrape(now, List.of());
        }
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(ops.resolve("/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? parse(now, response.body()) : new MetricsScrape(now, List.of());
        } catch (IOException e) {
            return new MetricsScrape(now, List.of());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new MetricsScrape(now, List.of());
        }
    }

    static MetricsScrape parse(long nanoTime, String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int brace = line.indexOf('{');
            int space = line.lastIndexOf(' ');
            if (space <= 0) {
                continue;
            }
            String name = brace > 0 && brace < space ? line.substring(0, brace) : line.substring(0, space).strip();
            String labels = brace > 0 && brace < space ? line.substring(brace, line.lastIndexOf('}') + 1) : "";
            try {
                samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1).strip())));
            } catch (NumberFormatException ignored) {
                // a value we do not read (NaN spelled otherwise, a timestamp): skip the line
            }
        }
        return new MetricsScrape(nanoTime, samples);
    }

    public boolean empty() {
        return samples.isEmpty();
    }

    /** The sum over every label set of {@code name} whose labels contain {@code labelFilter}. */
    public double sum(String name, String labelFilter) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().contains(labelFilter))
                .mapToDouble(Sample::value).sum();
    }

    public double sum(String name) {
        return sum(name, "");
    }

    /** {@code later}'s sum minus this one's. */
    public double delta(MetricsScrape later, String name) {
        return later.sum(name) - sum(name);
    }
}
