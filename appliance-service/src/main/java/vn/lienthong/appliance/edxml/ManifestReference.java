package vn.lienthong.appliance.edxml;

/** edXMLBody/edXMLManifest/Reference: one attachment the body announces. */
public record ManifestReference(String contentId, String contentType, String description, String attachmentName) {
}
