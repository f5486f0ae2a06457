package vn.lienthong.appliance.cli;

/** Who runs an operator command, as the audit log names them: the operating system's user. */
final class Operator {

    private Operator() {
    }

    static String name() {
        String sudoUser = System.getenv("SUDO_USER");
        String user = System.getProperty("user.name", "unknown");
        // Under sudo the account that ran the command is the one accountable for it.
        return sudoUser == null || sudoUser.isBlank() ? user : sudoUser + " (as " + user + ")";
    }
}
