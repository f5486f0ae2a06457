package vn.lienthong.provisioning.cli;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import vn.lienthong.hsm.cert.Pem;

/** Reads the operator's input files, turning I/O failures into sentences that name the file. */
final class InputFiles {

    // Certificates, directories and PIN files are small; a bigger file is the wrong file.
    private static final long MAX_BYTES = 16L * 1024 * 1024;

    private InputFiles() {
    }

    static byte[] read(Path file) {
        try {
            if (Files.isDirectory(file)) {
                throw new Refusal(file + " is a directory, not a file");
            }
            if (Files.size(file) > MAX_BYTES) {
                throw new Refusal("the file " + file + " is larger than " + MAX_BYTES / (1024 * 1024)
                        + " MiB and cannot be what this command expects");
            }
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new Refusal("the file " + file + " does not exist");
        } catch (AccessDeniedException e) {
            throw new Refusal("the file " + file + " cannot be read: permission denied");
        } catch (IOException e) {
            throw new Refusal("the file " + file + " cannot be read: " + e.getMessage());
        }
    }

    /** Every certificate in a PEM or DER file. */
    static List<X509Certificate> certificates(Path file) {
        byte[] bytes = read(file);
        try {
            return Pem.certificates(bytes);
        } catch (IllegalArgumentException e) {
            throw new Refusal("the file " + file + " holds no readable certificate: " + e.getMessage());
        }
    }
}
