package vn.lienthong.hsm.testing;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import vn.lienthong.hsm.HsmException;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenConfig;
import vn.lienthong.hsm.token.TokenSupervisor;

/**
 * Injects a token failure at the adapter's boundary, for a {@link TokenSupervisor} over a real
 * SoftHSM2 token: while {@link #broken}, every operation fails with a device error and every
 * reopening finds no token, as when the device is gone; once it is back, both work again.
 */
public final class TokenFaults implements TokenSupervisor.Opener, TokenSupervisor.Boundary {
    /** Whether the token is "gone". */
    public final AtomicBoolean broken = new AtomicBoolean();
    /** How many times the token was opened (a new provider and a login each). */
    public final AtomicInteger opened = new AtomicInteger();

    @Override
    public Token open(TokenConfig config) {
        if (broken.get()) {
            throw new HsmException("cannot read the keys of token '" + config.label() + "': CKR_TOKEN_NOT_PRESENT");
        }
        opened.incrementAndGet();
        return Token.open(config);
    }

    @Override
    public <T> T call(Token token, Function<Token, T> operation) {
        if (broken.get()) {
            throw new HsmException("token '" + token.label() + "' could not sign: CKR_DEVICE_ERROR");
        }
        return operation.apply(token);
    }
}
