@testable import CairnSQL
import Testing

@Suite struct LexerTests {
    private func kinds(_ text: String) throws -> [TokenKind] {
        var lexer = Lexer(bytes: Array(text.utf8))
        return try lexer.tokenize().map(\.kind)
    }

    @Test func operatorsLexLongestMatchFirst() throws {
        let text = "+ - * / % = <> != < <= > >= || :: -> ->> <-> <#> <=> ( ) , . ; [ ]"
        let symbols: [Symbol] = [.plus, .minus, .star, .slash, .percent, .equal, .notEqual, .notEqual, .less,
                                 .lessOrEqual, .greater, .greaterOrEqual, .concat, .doubleColon, .arrow,
                                 .doubleArrow, .l2Distance, .negativeInnerProduct, .cosineDistance,
                                 .leftParen, .rightParen, .comma, .dot, .semicolon, .leftBracket, .rightBracket]
        #expect(try kinds(text) == symbols.map { .symbol($0) } + [.end])
        #expect(try kinds("a<-1") == [.word("a", keyword: nil), .symbol(.less), .symbol(.minus), .integer(1), .end])
    }

    @Test func wordsNumbersStringsAndParameters() throws {
        #expect(try kinds("SeLeCt Foo \"Foo\" 'it''s' 42 1.5 .5 1e3 9223372036854775808 $12 ? naïve") == [
            .word("select", keyword: .select), .word("foo", keyword: nil), .quotedIdentifier("Foo"),
            .string("it's"), .integer(42), .decimal(1.5), .decimal(0.5), .decimal(1000),
            .decimal(9_223_372_036_854_775_808), .parameter(12), .questionMark, .word("naïve", keyword: nil), .end,
        ])
    }

    @Test func commentsAreSkippedAndPositionsTracked() throws {
        var lexer = Lexer(bytes: Array("-- c\n  /* a /* nested */ b */ x\r\n\t'é' y".utf8))
        let tokens = try lexer.tokenize()
        #expect(tokens.map(\.kind) == [.word("x", keyword: nil), .string("é"), .word("y", keyword: nil), .end])
        #expect(tokens.map(\.position) == [
            SQLPosition(line: 2, column: 26, offset: 30),
            SQLPosition(line: 3, column: 2, offset: 34),
            SQLPosition(line: 3, column: 6, offset: 39),
            SQLPosition(line: 3, column: 7, offset: 40),
        ])
    }
}
