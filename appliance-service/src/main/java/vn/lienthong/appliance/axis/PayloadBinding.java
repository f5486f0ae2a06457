package vn.lienthong.appliance.axis;

import java.util.Optional;
import vn.lienthong.appliance.api.LocalApi;
import vn.lienthong.appliance.api.Problem;
import vn.lienthong.appliance.api.ProblemException;
import vn.lienthong.appliance.edxml.EdxmlMessage;
import vn.lienthong.appliance.edxml.EdxmlRejectedException;
import vn.lienthong.appliance.edxml.StatusMessage;
import vn.lienthong.appliance.envelope.Envelope;

/**
 * Binds an envelope's edXML payload to the envelope's authenticated header: the payload's From must
 * be the envelope's sender (the organ whose key signed it, reached through its pinned appliance) and
 * its To (ResponseFor/OrganId for a status message) must include the recipient. Without this a
 * pinned peer could deliver documents and status messages in any organ's name.
 */
final class PayloadBinding {

    /** The problem type of a payload that names another sender or recipient than its envelope. */
    static final String MISMATCH = "payload-header-mismatch";

    private PayloadBinding() {
    }

    /**
     * The payload read as edXML, or empty when the envelope carries another content type.
     *
     * @throws ProblemException 422 {@code payload-header-mismatch}, or 422 {@code edxml-invalid} for an
     *                          edXML payload this appliance cannot read (its From could not be checked)
     */
    static Optional<EdxmlMessage> require(Envelope envelope, String recipient) {
        if (!LocalApi.EDXML_CONTENT_TYPE.equals(envelope.header().contentType())) {
            return Optional.empty();
        }
        EdxmlMessage message;
        try {
            message = EdxmlMessage.parse(envelope.payload());
        } catch (EdxmlRejectedException e) {
            throw new ProblemException(Problem.of(422, "edxml-invalid", "Not an acceptable edXML message",
                    "the envelope's edXML payload is not acceptable: " + e.getMessage())
                    .with("element", e.element()).with("rule", e.rule()));
        }
        String sender = envelope.header().sender();
        if (!message.from().organId().equals(sender)) {
            throw mismatch("the payload's From/OrganId is " + message.from().organId()
                    + ", but the envelope's sender is " + sender);
        }
        if (!message.recipientOrganIds().contains(recipient)) {
            String field = message instanceof StatusMessage ? "ResponseFor/OrganId" : "To/OrganId";
            throw mismatch("the payload's " + field + " does not name the recipient " + recipient
                    + " (it names " + String.join(", ", message.recipientOrganIds()) + ")");
        }
        return Optional.of(message);
    }

    private static ProblemException mismatch(String detail) {
        return new ProblemException(Problem.of(422, MISMATCH, "Payload does not match the envelope header",
                detail + "; nothing was stored"));
    }
}
