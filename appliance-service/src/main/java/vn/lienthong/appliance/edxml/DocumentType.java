package vn.lienthong.appliance.edxml;

/** MessageHeader/DocumentType: the kind of document (Type, TypeDetail, e.g. TypeName "Công văn"). */
public record DocumentType(String type, String typeDetail, String typeName) {
}
