package vn.lienthong.appliance.demo;

/** A step of the demo failed; the message says which and where to look. */
class DemoFailedException extends RuntimeException {
    DemoFailedException(String message) {
        super(message);
    }
}
