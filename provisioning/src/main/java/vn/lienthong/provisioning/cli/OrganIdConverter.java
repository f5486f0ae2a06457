package vn.lienthong.provisioning.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;
import vn.lienthong.provisioning.registry.OrganIds;

/** Accepts an organ id argument only when it has the shape of one (a usage error otherwise). */
final class OrganIdConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
        try {
            return OrganIds.requireValid(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
