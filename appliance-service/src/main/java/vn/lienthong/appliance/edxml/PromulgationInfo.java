package vn.lienthong.appliance.edxml;

import java.time.LocalDate;

/** MessageHeader/PromulgationInfo: where and on which day the document was promulgated. */
public record PromulgationInfo(String place, LocalDate promulgationDate) {
}
