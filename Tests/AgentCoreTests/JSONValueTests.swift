import Testing
@testable import AgentCore

@Suite struct JSONValueTests {
    @Test func roundTripsWithSortedKeys() throws {
        let v = try JSONValue(parsing: #"{"b":[1,2.5,"x\n",null,true],"a":{"c":-3}}"#)
        #expect(v.serialized == #"{"a":{"c":-3},"b":[1,2.5,"x\n",null,true]}"#)
    }

    @Test func keepsLargeIntegersExact() throws {
        #expect(try JSONValue(parsing: "9007199254740993") == .int(9007199254740993))
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try JSONValue(parsing: #""\ud83d\ude00""#) == .string("😀"))
    }

    @Test func rejectsTrailingGarbageWithOffset() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: "{} x") }
        do { _ = try JSONValue(parsing: "[1,]") } catch { #expect(error.offset == 3) }
    }
}
