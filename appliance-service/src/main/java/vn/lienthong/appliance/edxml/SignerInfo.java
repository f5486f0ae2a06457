package vn.lienthong.appliance.edxml;

/** MessageHeader/SignerInfo: who signed the document and in which capacity. */
public record SignerInfo(String competence, String position, String fullName) {
}
