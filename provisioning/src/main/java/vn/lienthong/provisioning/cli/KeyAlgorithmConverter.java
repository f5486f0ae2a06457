package vn.lienthong.provisioning.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import vn.lienthong.hsm.token.KeyAlgorithm;

/** Reads {@code rsa2048} or {@code ecp256}, the operator's spelling of a {@link KeyAlgorithm}. */
final class KeyAlgorithmConverter implements ITypeConverter<KeyAlgorithm> {
    @Override
    public KeyAlgorithm convert(String value) {
        try {
            return KeyAlgorithm.fromCliName(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
