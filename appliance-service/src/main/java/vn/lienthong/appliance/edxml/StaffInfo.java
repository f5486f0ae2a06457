package vn.lienthong.appliance.edxml;

/** StaffInfo: the clerk who handled a document or wrote a status message. */
public record StaffInfo(String department, String staff, String email, String mobile) {
}
