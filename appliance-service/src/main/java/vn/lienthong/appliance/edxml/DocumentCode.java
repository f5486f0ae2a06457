package vn.lienthong.appliance.edxml;

/** MessageHeader/Code: the document's number and notation, such as 7816 and VPCP-TTĐT. */
public record DocumentCode(String codeNumber, String codeNotation) {
}
