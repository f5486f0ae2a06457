package vn.lienthong.appliance;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/**
 * Keeps every record logged while it is added to a logger (the root logger: the appliance runs in the
 * test's JVM), so that a test can check what the appliance wrote to its log and what it did not.
 */
final class CapturedLog extends Handler {

    /** The records in the order they came, safe to read while more are logged. */
    final List<LogRecord> records = new CopyOnWriteArrayList<>();

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
