package vn.lienthong.appliance.axis.transport;

/**
 * What the axis listener does with each request. Called on its own virtual thread, so it may block on the HSM
 * or the store; an unchecked exception becomes a 500 answer without details.
 */
@FunctionalInterface
public interface AxisHandler {
    AxisResponse handle(AxisRequest request);
}
