package vn.lienthong.provisioning.cli;

import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the version in the provisioning jar's manifest. */
final class ProvisioningVersion implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = ProvisioningVersion.class.getPackage().getImplementationVersion();
        return new String[] {"lienthong provisioning " + (version != null ? version : "(development build)")};
    }
}
