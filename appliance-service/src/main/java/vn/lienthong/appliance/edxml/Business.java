package vn.lienthong.appliance.edxml;

import java.util.List;

/**
 * TraceHeaderList/Bussiness (also spelled Business by some vendors): what the document does to
 * earlier ones. QCVN 102:2016's own library writes the double-s spelling, which the appliance keeps.
 *
 * @param replacedDocumentIds ReplacementInfoList/ReplacementInfo/DocumentId values of a replacement
 * @param spelling            how the sender spelled the element, for faithful answers
 */
public record Business(String documentId, DocType docType, String reason, String paper,
                       List<String> replacedDocumentIds, StaffInfo staffInfo, Spelling spelling) {

    public Business {
        replacedDocumentIds = List.copyOf(replacedDocumentIds);
    }

    /** BussinessDocType: 0 new, 1 revoke, 2 update, 3 replace. */
    public enum DocType {
        NEW("0"), REVOKE("1"), UPDATE("2"), REPLACE("3");

        private final String code;

        DocType(String code) {
            this.code = code;
        }

        public String code() {
            return code;
        }

        /** The type for its code, or null when the code is not one of 0 to 3. */
        public static DocType ofCode(String code) {
            for (DocType t : values()) {
                if (t.code.equals(code)) {
                    return t;
                }
            }
            return null;
        }
    }

    /** The two spellings seen in the field. */
    public enum Spelling { BUSSINESS, BUSINESS }
}
