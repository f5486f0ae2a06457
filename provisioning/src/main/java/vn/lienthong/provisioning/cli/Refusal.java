package vn.lienthong.provisioning.cli;

/** An operation the CLI refuses, with the one sentence that tells the operator why and what to do. */
final class Refusal extends RuntimeException {
    Refusal(String sentence) {
        super(sentence);
    }
}
