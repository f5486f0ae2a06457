package vn.lienthong.appliance.cli;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import vn.lienthong.appliance.Appliance;
import vn.lienthong.appliance.config.ApplianceConfig;

/** {@code lienthong serve --config FILE}: runs the appliance until it is stopped (SIGTERM or Ctrl-C). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run the appliance: local API, axis transport, forwarder and operations port.")
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "The appliance's config.yaml.")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        Appliance appliance = Appliance.start(ApplianceConfig.load(config));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            appliance.close();
            stopped.countDown();
        }, "shutdown"));
        System.out.println("lienthong: appliance '" + appliance.config().name() + "' is up: local API "
                + appliance.apiUri() + ", axis " + appliance.axisUri() + ", operations " + appliance.opsUri());
        stopped.await();
        return 0;
    }
}
