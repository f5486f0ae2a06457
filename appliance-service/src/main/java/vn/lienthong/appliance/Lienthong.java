package vn.lienthong.appliance;

/** The {@code lienthong} command. */
public final class Lienthong {
    public static void main(String[] args) {
    }
}
