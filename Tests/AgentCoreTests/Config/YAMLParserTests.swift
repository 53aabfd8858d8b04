import Testing
@testable import AgentCore

extension ConfigTests {
    @Suite struct YAMLParsing {
        @Test func tabIndentationIsAnErrorAtTheTab() {
            #expect(yamlErrorText("builder:\n\ttype: docker\n") == """
                launch-config.yaml:2:1: error: could not parse YAML: found character that cannot start any token
                launch-config.yaml:2:1: note: YAML does not allow tabs for indentation; use spaces
                """)
        }

        @Test func unclosedQuoteNamesWhereTheQuoteStarted() {
            #expect(yamlErrorText("entity: \"ml-team\nqueues: [a]\n") == """
                launch-config.yaml:3:1: error: could not parse YAML: found unexpected end of stream
                launch-config.yaml:1:9: note: while scanning a quoted scalar
                """)
        }

        @Test func badMappingUsesLibyamlsProblemMark() {
            #expect(yamlErrorText("max_jobs: 1\nqueues: [a]\na: b: c\n") == """
                launch-config.yaml:3:5: error: could not parse YAML: mapping values are not allowed in this context
                """)
        }

        @Test func invalidUTF8IsReportedAtItsByte() {
            do {
                _ = try YAMLParser.parse(bytes: Array("queues: [a]\nentity: x".utf8) + [0xFF, 0x0A], file: "c.yaml")
                Issue.record("expected an error")
            } catch {
                #expect(error.description == "c.yaml:2:10: error: could not parse YAML: invalid leading UTF-8 octet")
            }
        }

        @Test func duplicateKeyIsAnErrorAtTheSecondKey() {
            #expect(yamlErrorText("max_jobs: 1\nentity: e\nmax_jobs: 2\n") == """
                launch-config.yaml:3:1: error: duplicate key 'max_jobs'
                launch-config.yaml:1:1: note: 'max_jobs' is first defined here
                """)
        }

        @Test func quotedAndPlainSpellingsOfAKeyAreDuplicates() {
            #expect(yamlErrorText("builder:\n  type: a\n  \"type\": b\n").hasPrefix(
                "launch-config.yaml:3:3: error: duplicate key 'type'"))
        }

        @Test func secondDocumentIsAnError() {
            #expect(yamlErrorText("max_jobs: 1\n---\nmax_jobs: 2\n") == """
                launch-config.yaml:2:1: error: found a second YAML document; the config file must hold exactly one
                launch-config.yaml:2:1: note: remove the '---' line and merge the documents into one mapping
                """)
        }

        @Test(arguments: ["", "\n\n", "# only a comment\n", "---\n", "~\n"])
        func emptyDocumentsParseToNothing(text: String) throws {
            #expect(try YAMLParser.parse(text, file: "c.yaml") == nil)
        }

        @Test func plainScalarsResolveByTheCoreSchema() throws {
            let text = """
                a: 4
                b: "4"
                c: 4.5
                d: yes
                e: ~
                f:
                g: true
                h: 0x1F
                i: 1e3
                j: -.inf
                k: '0o17'
                l: 0o17
                m: 99999999999999999999
                """
            let node = try #require(try YAMLParser.parse(text, file: "c.yaml"))
            let values = try #require(node.pairs).map(\.value.scalar?.value)
            let expected: [YAMLScalarValue?] = [
                .int(4), .string("4"), .double(4.5), .string("yes"), .null, .null, .bool(true),
                .int(31), .double(1000), .double(-.infinity), .string("0o17"), .int(15), .double(1e20),
            ]
            #expect(values == expected)
        }

        @Test func everyNodeKeepsItsMark() throws {
            let node = try #require(try YAMLParser.parse("builder:\n  type: docker\n  args: [a, \"b\"]\n", file: "c.yaml"))
            let builder = try #require(node.pair("builder"))
            #expect(builder.key.mark == YAMLMark(line: 1, column: 1))
            let args = try #require(builder.value.pair("args"))
            #expect(args.key.mark == YAMLMark(line: 3, column: 3))
            #expect(args.value.items?.map(\.mark) == [YAMLMark(line: 3, column: 10), YAMLMark(line: 3, column: 13)])
            #expect(args.value.items?[1].scalar?.style == .doubleQuoted)
        }

        @Test func aliasesAndMergeKeysAreExpanded() throws {
            let text = """
                base: &base {region: us-east-1, project: p}
                environment:
                  <<: *base
                  type: aws
                  project: q
                queues: &q [a, b]
                again: *q
                """
            let node = try #require(try YAMLParser.parse(text, file: "c.yaml"))
            #expect(node.json.serialized ==
                #"{"again":["a","b"],"base":{"project":"p","region":"us-east-1"},"environment":{"project":"q","region":"us-east-1","type":"aws"},"queues":["a","b"]}"#)
        }

        @Test func aliasBombStopsAtTheNodeLimit() {
            var lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
            for i in 1..<9 {
                lines.append("a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]")
            }
            let text = yamlErrorText(lines.joined(separator: "\n"))
            #expect(text.hasPrefix("launch-config.yaml:5:"))
            #expect(text.contains("error: YAML expands to more than 100000 nodes"))
        }

        @Test func unknownAliasIsAnError() {
            #expect(yamlErrorText("queues: *nope\n") ==
                "launch-config.yaml:1:9: error: alias '*nope' does not refer to an anchor defined before it")
        }

        @Test func tagsMustFitTheirValues() {
            #expect(yamlErrorText("a: !!int four\nb: !vault x\nc: !!str 4\n") == """
                launch-config.yaml:1:4: error: the value does not match its tag '!!int'
                launch-config.yaml:2:4: error: unsupported YAML tag '!vault'
                """)
        }
    }
}
