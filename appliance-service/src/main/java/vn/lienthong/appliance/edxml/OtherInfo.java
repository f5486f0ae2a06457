package vn.lienthong.appliance.edxml;

import java.util.List;

/** MessageHeader/OtherInfo: priority, scope, counts and appendixes of a document; fields as written. */
public record OtherInfo(String priority, String sphereOfPromulgation, String typerNotation, String promulgationAmount,
                        String pageAmount, String direction, List<String> appendixes) {
    public OtherInfo {
        appendixes = List.copyOf(appendixes);
    }
}
