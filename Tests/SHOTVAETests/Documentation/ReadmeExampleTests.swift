import Foundation
import Testing

/// The README's training loop is the "Getting started" article's, and that article's code is
/// the code `ArticleExampleTests.gettingStartedLoopTrains` compiles and runs.
@Suite struct ReadmeExampleTests {
    /// The package root, found from this file's path (Tests/SHOTVAETests/Documentation/).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The first ```swift block of a markdown file that contains `marker`.
    static func swiftBlock(in relativePath: String, containing marker: String) throws -> String {
        let text = try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
        let blocks = text.components(separatedBy: "```swift\n").dropFirst().map {
            $0.components(separatedBy: "```").first ?? ""
        }
        return try #require(blocks.first { $0.contains(marker) }, "\(relativePath) has no swift block with \(marker)")
    }

    @Test func readmeLoopIsTheGettingStartedLoop() throws {
        let readme = try Self.swiftBlock(in: "README.md", containing: "import SHOTVAE")
        let article = try Self.swiftBlock(
            in: "Sources/SHOTVAE/SHOTVAE.docc/GettingStarted.md", containing: "import SHOTVAE")
        #expect(readme == article)
    }

    /// Every line of the article's loop appears in the compiled test, except the import and the
    /// final `print`, which the test replaces by an expectation.
    @Test func gettingStartedLoopIsCompiled() throws {
        let article = try Self.swiftBlock(
            in: "Sources/SHOTVAE/SHOTVAE.docc/GettingStarted.md", containing: "import SHOTVAE")
        let test = try String(
            contentsOf: Self.root.appendingPathComponent("Tests/SHOTVAETests/Documentation/ArticleExampleTests.swift"),
            encoding: .utf8)
        let compiled = Set(test.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let lines = article.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && $0 != "import SHOTVAE" && !$0.hasPrefix("print(") }
        #expect(lines.count > 15)
        for line in lines {
            #expect(compiled.contains(line), "not in ArticleExampleTests.swift: \(line)")
        }
    }
}
