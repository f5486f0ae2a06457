package vn.lienthong.provisioning.cli;

import java.nio.file.Path;
import vn.lienthong.hsm.token.Token;
import vn.lienthong.hsm.token.TokenConfig;
import vn.lienthong.provisioning.registry.ApplianceRegistry;
import vn.lienthong.storage.Storage;

/**
 * The environment a test class shares between its commands, as the service shares its own with
 * them: a real token and a real LMDB directory, opened lazily and closed once by the test.
 */
final class TestEnvironment implements ProvisioningEnvironment {

    private final TokenConfig tokenConfig;
    private final Path storageDirectory;
    private Token token;
    private Storage storage;

    TestEnvironment(TokenConfig tokenConfig, Path storageDirectory) {
        this.tokenConfig = tokenConfig;
        this.storageDirectory = storageDirectory;
    }

    @Override
    public TokenConfig tokenConfig() {
        return tokenConfig;
    }

    @Override
    public synchronized Token token() {
        if (token == null) {
            token = Token.open(tokenConfig);
        }
        return token;
    }

    @Override
    public synchronized ApplianceRegistry registry() {
        return new ApplianceRegistry(storage().registry());
    }

    @Override
    public synchronized Storage storage() {
        if (storage == null) {
            storage = Storage.open(storageDirectory, 64L * 1024 * 1024);
        }
        return storage;
    }

    /** Each command closes its environment; the test keeps this one open until {@link #shutdown}. */
    @Override
    public void close() {
    }

    synchronized void shutdown() {
        if (token != null) {
            token.close();
        }
        if (storage != null) {
            storage.close();
        }
    }
}
