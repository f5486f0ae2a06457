package vn.lienthong.bench.storage;

/** The storage reports' argument naming the producers' threads. */
final class ProducerThreads {

    private ProducerThreads() {
    }

    /** True for {@code virtual}, false for {@code platform}; anything else is refused. */
    static boolean virtual(String argument) {
        return switch (argument) {
            case "virtual" -> true;
            case "platform" -> false;
            default -> throw new IllegalArgumentException("The producers' threads are virtual or platform, not "
                    + argument + ".");
        };
    }
}
