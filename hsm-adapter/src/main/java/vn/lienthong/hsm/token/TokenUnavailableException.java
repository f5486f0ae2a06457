package vn.lienthong.hsm.token;

import vn.lienthong.hsm.HsmException;

/**
 * The token cannot be used now (device error, session or login lost, token removed) and the
 * adapter is reopening it: the operation may be retried later. Nothing was signed.
 */
public class TokenUnavailableException extends HsmException {
    public TokenUnavailableException(String message) {
        super(message);
    }

    public TokenUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
