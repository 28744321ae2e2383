import Foundation
import Testing

/// The documentation names only things that exist: symbols, files, `make` targets,
/// command-line options, and sections of the Method article.
///
/// The documents are README.md, CHANGELOG.md, `Documentation/*.md` and the DocC articles. Each
/// check is a function of the text it reads, so that `PlantedMistakeTests` can show that it
/// reports a planted mistake; every finding names the document, the line and the name.
@Suite struct DocumentationReferenceTests {
    typealias References = DocumentationReferences

    @Test func symbolLinksNameDeclarations() throws {
        let declarations = try References.declarations(in: References.root.appendingPathComponent("Sources/SHOTVAE"))
        let findings = try References.documents().flatMap {
            References.symbolFindings(document: $0.path, text: $0.text, declarations: declarations)
        }
        #expect(findings.isEmpty, "\(References.report(findings))")
    }

    @Test func pathsExist() throws {
        let findings = try References.documents().flatMap {
            References.pathFindings(document: $0.path, text: $0.text, exists: References.existsInRepository)
        }
        #expect(findings.isEmpty, "\(References.report(findings))")
    }

    @Test func makeTargetsExist() throws {
        let makefile = try String(contentsOf: References.root.appendingPathComponent("Makefile"), encoding: .utf8)
        let targets = References.makeTargets(makefile: makefile)
        #expect(targets.contains("test") && targets.contains("demo"))
        let findings = try References.documents().flatMap {
            References.makeFindings(document: $0.path, text: $0.text, targets: targets)
        }
        #expect(findings.isEmpty, "\(References.report(findings))")
    }

    @Test func commandLinesUseDeclaredOptions() throws {
        let tools = try References.tools()
        #expect(tools["shotvae-mnist"]?.options["", default: []].contains("--time-budget") == true)
        #expect(tools["shotvae-bench"]?.options["compare", default: []].contains("--skip-wrn") == true)
        let findings = try References.documents().flatMap {
            References.commandFindings(document: $0.path, text: $0.text, tools: tools)
        }
        #expect(findings.isEmpty, "\(References.report(findings))")
    }

    @Test func methodCitationsNameSections() throws {
        let method = try String(
            contentsOf: References.root.appendingPathComponent("Sources/SHOTVAE/SHOTVAE.docc/Method.md"), encoding: .utf8)
        let sections = References.methodSections(article: method)
        #expect(sections == Set(1...9), "Method.md has the sections \(sections.sorted())")
        var findings: [DocumentationReferences.Finding] = []
        for file in try References.citingFiles() {
            findings += References.citationFindings(document: file.path, text: file.text, sections: sections)
        }
        #expect(findings.isEmpty, "\(References.report(findings))")
    }
}

/// Each check of `DocumentationReferenceTests` on planted text: a mistake must be reported, and
/// the same text without it must pass.
@Suite struct PlantedMistakeTests {
    typealias References = DocumentationReferences

    let declarations = References.declarations(source: """
        public struct ObjectiveConfiguration {
            public static var mnist: ObjectiveConfiguration { .init() }
            public static func cifar10(epochs: Int = 600) -> ObjectiveConfiguration { .init() }
        }
        public enum WeightSchedule { case constant(Float), exponentialRamp(maximum: Float, length: Double) }
        // class Commented is not a declaration
        """)

    @Test func missingSymbolIsReported() {
        let text = """
            # Title
            Use ``ObjectiveConfiguration/mnist`` or ``ObjectiveConfiguration/cifar10(epochs:)``,
            ``WeightSchedule/exponentialRamp(maximum:length:)``, not ``ObjectiveConfiguration/mnistRenamed``,
            ``Commented``, ``ObjectiveConfiguration/cifar10(runs:)`` or ``NoSuchType``.
            ```swift
            let x = ``NotALinkInCode``
            ```
            """
        let findings = References.symbolFindings(document: "planted.md", text: text, declarations: declarations)
        #expect(findings.map(\.name) == [
            "ObjectiveConfiguration/mnistRenamed", "Commented", "ObjectiveConfiguration/cifar10(runs:)", "NoSuchType",
        ])
        #expect(findings.first?.line == 3)
        #expect(findings.first?.document == "planted.md")
    }

    @Test func missingPathIsReported() {
        let text = """
            See [the notes](Documentation/Missing.md), `Sources/SHOTVAE/Gone.swift` and
            [checkpoints](Checkpoints.md); `runs/demo` and <https://example.com/Sources/x> are not
            repository paths. `Engine/Vanished.swift` is under Sources/SHOTVAE.
            ```
            python3 Scripts/absent.py /tmp/out
            ```
            """
        let existing: Set<String> = ["Documentation/Checkpoints.md"]
        let findings = References.pathFindings(document: "Documentation/Planted.md", text: text) { existing.contains($0) }
        #expect(findings.map(\.name) == [
            "Documentation/Missing.md", "Sources/SHOTVAE/Gone.swift", "Engine/Vanished.swift", "Scripts/absent.py",
        ])
        #expect(findings.map(\.line) == [1, 1, 3, 5])
    }

    @Test func missingMakeTargetIsReported() {
        let targets = References.makeTargets(makefile: "SWIFT ?= swift\n.PHONY: test\ntest: deps\n\tswift test\ndeps:\n")
        #expect(targets == ["test", "deps", ".PHONY"])
        let text = "Run `make test`, then\n```\nmake benchmarks\n```\nto make sure."
        let findings = References.makeFindings(document: "planted.md", text: text, targets: targets)
        #expect(findings.map(\.name) == ["make benchmarks"])
        #expect(findings.map(\.line) == [3])
    }

    @Test func undeclaredOptionIsReported() {
        let tools: [String: DocumentationReferences.Tool] = [
            "shotvae-mnist": .init(options: ["": ["--time-budget", "--seed"]]),
            "shotvae-bench": .init(options: ["": [], "compare": ["--json", "--skip-wrn"]]),
        ]
        let text = """
            `swift run -c release shotvae-mnist --time-budget 3 --seeds 2` and
            ```
            swift run -c release shotvae-bench compare --json \\
                --skip-resnet
            shotvae-bench sprint
            shotvae-plot --seed 1
            mpirun -np 2 .build/release/shotvae-mnist --processes 2
            ```
            """
        let findings = References.commandFindings(document: "planted.md", text: text, tools: tools)
        #expect(findings.map(\.name) == ["shotvae-mnist --seeds", "shotvae-bench compare --skip-resnet",
                                         "shotvae-bench sprint", "shotvae-plot", "shotvae-mnist --processes"])
    }

    @Test func optionNamesFollowArgumentParser() {
        #expect(References.kebabCase("timeBudget") == "time-budget")
        #expect(References.kebabCase("skipWRN") == "skip-wrn")
        #expect(References.kebabCase("decodeMixed") == "decode-mixed")
        #expect(References.kebabCase("json") == "json")
    }

    @Test func wrongSectionIsReported() {
        let sections = References.methodSections(article: "# Method\n## 1. The model\n## 2. Terms\n### 3. Not a section\n")
        #expect(sections == [1, 2])
        let text = """
            /// The KL term (Method.md section 2), the schedules (Method.md
            /// section 5) and the losses (Method.md sections 1-3).
            """
        let findings = References.citationFindings(document: "Planted.swift", text: text, sections: sections)
        #expect(findings.map(\.name) == ["Method.md section 5", "Method.md section 3"])
        #expect(findings.map(\.line) == [1, 2])
    }
}

/// The parsing behind `DocumentationReferenceTests`.
enum DocumentationReferences {
    /// A reference that names nothing.
    struct Finding: CustomStringConvertible, Sendable {
        var document: String
        var line: Int
        var name: String
        var problem: String
        var description: String { "\(document):\(line): \(name): \(problem)" }
    }

    /// A command-line tool's options by subcommand (`""` for the tool itself).
    struct Tool: Sendable {
        var options: [String: Set<String>]
    }

    /// The package root, found from this file's path (Tests/SHOTVAETests/Documentation/).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Pictures that `make demo` produces and a maintainer copies into the repository; they may
    /// be missing until then.
    static let pendingFiles: Set<String> = ["Documentation/Images/samples.png", "Documentation/Images/reconstructions.png"]

    static func report(_ findings: [Finding]) -> String {
        "\(findings.count) reference(s) to nothing:\n" + findings.map(\.description).joined(separator: "\n")
    }

    // MARK: - Files

    static func read(_ relativePath: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relativePath), encoding: .utf8)
    }

    static func files(under folder: String, extensions: Set<String>) -> [String] {
        let base = root.appendingPathComponent(folder)
        guard let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        var paths: [String] = []
        for case let url as URL in enumerator where extensions.contains(url.pathExtension) {
            paths.append(folder + "/" + url.path.dropFirst(base.path.count + 1))
        }
        return paths.sorted()
    }

    /// README.md, CHANGELOG.md if present, Documentation/*.md and the DocC articles.
    static func documents() throws -> [(path: String, text: String)] {
        var paths = ["README.md"]
        if FileManager.default.fileExists(atPath: root.appendingPathComponent("CHANGELOG.md").path) {
            paths.append("CHANGELOG.md")
        }
        paths += files(under: "Documentation", extensions: ["md"]).filter { !$0.dropFirst(14).contains("/") }
        paths += files(under: "Sources/SHOTVAE/SHOTVAE.docc", extensions: ["md"])
        return try paths.map { ($0, try read($0)) }
    }

    /// The files of Sources/, Examples/ and Tests/ that may cite the Method article, and the
    /// documents.
    static func citingFiles() throws -> [(path: String, text: String)] {
        var paths: [String] = []
        for folder in ["Sources", "Examples", "Tests"] {
            paths += files(under: folder, extensions: ["swift", "py", "sh", "md"])
        }
        return try paths.map { ($0, try read($0)) } + documents()
    }

    static func existsInRepository(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent(relativePath).path)
            || (pendingFiles.contains(relativePath)
                && FileManager.default.fileExists(atPath: root.appendingPathComponent("Documentation/Images").path))
    }

    // MARK: - Text

    struct Match {
        var groups: [String?]
        var offset: Int
    }

    static func matches(_ pattern: String, in text: String, options: NSRegularExpression.Options = []) -> [Match] {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: options) else {
            preconditionFailure("bad pattern \(pattern)")
        }
        let string = text as NSString
        return regex.matches(in: text, range: NSRange(location: 0, length: string.length)).map { result in
            Match(groups: (0..<result.numberOfRanges).map {
                result.range(at: $0).location == NSNotFound ? nil : string.substring(with: result.range(at: $0))
            }, offset: result.range.location)
        }
    }

    /// The 1-based line of a UTF-16 offset.
    static func line(of offset: Int, in text: String) -> Int {
        let string = text as NSString
        var line = 1
        for index in 0..<min(offset, string.length) where string.character(at: index) == 10 { line += 1 }
        return line
    }

    /// A markdown document cut into fenced code blocks and prose, each with its first line.
    struct Part {
        var text: String
        var firstLine: Int
        var isCode: Bool
        var language: String
    }

    static func parts(of text: String) -> [Part] {
        var parts: [Part] = []
        var current: [String] = [], start = 1, inCode = false, language = ""
        for (index, line) in text.components(separatedBy: "\n").enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("```") && (!inCode || trimmed == "```") {
                parts.append(Part(text: current.joined(separator: "\n"), firstLine: start, isCode: inCode, language: language))
                language = inCode ? "" : String(trimmed.dropFirst(3))
                inCode.toggle()
                current = []
                start = index + 2
            } else {
                current.append(line)
            }
        }
        parts.append(Part(text: current.joined(separator: "\n"), firstLine: start, isCode: inCode, language: language))
        return parts
    }

    /// Code as written in a document: inline code spans of the prose and the lines of fenced
    /// blocks (except Swift, which `Scripts/compile-snippets.sh` compiles), each with its line.
    /// A fenced line ending in `\` continues on the next.
    static func codeSpans(of text: String) -> [(code: String, line: Int)] {
        var spans: [(String, Int)] = []
        for part in parts(of: text) {
            if part.isCode {
                guard part.language != "swift" else { continue }
                var pending = "", pendingLine = 0
                for (index, line) in part.text.components(separatedBy: "\n").enumerated() {
                    if pending.isEmpty { pendingLine = part.firstLine + index }
                    if line.hasSuffix("\\") {
                        pending += line.dropLast() + " "
                    } else {
                        spans.append((pending + line, pendingLine))
                        pending = ""
                    }
                }
            } else {
                for match in matches("(?<!`)`([^`]+)`(?!`)", in: part.text) {
                    spans.append((match.groups[1]!, part.firstLine + line(of: match.offset, in: part.text) - 1))
                }
            }
        }
        return spans
    }

    // MARK: - Symbols

    /// Declared names, and the argument labels of each function, initializer and enum case.
    struct Declarations: Sendable {
        var names: Set<String> = []
        var labels: [String: Set<String>] = [:]   // name -> ["label:label:", ...]
    }

    static func declarations(in folder: URL) throws -> Declarations {
        var source = ""
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let url = enumerator?.nextObject() as? URL {
            if url.pathExtension == "swift" { source += try String(contentsOf: url, encoding: .utf8) + "\n" }
        }
        return declarations(source: source)
    }

    /// Declarations found by a regular expression over the source, comments removed:
    /// `class|struct|enum|protocol|actor|typealias|func|var|let|case|init|subscript Name`.
    static func declarations(source: String) -> Declarations {
        let code = source.components(separatedBy: "\n").map { line -> String in
            guard let range = line.range(of: "//") else { return line }
            return String(line[..<range.lowerBound])
        }.joined(separator: "\n")
        var result = Declarations()
        let pattern = "\\b(class|struct|enum|protocol|actor|typealias|func|var|let|case|init|subscript)\\b\\s*([A-Za-z_][A-Za-z0-9_]*)?"
        let string = code as NSString
        for match in matches(pattern, in: code) {
            let keyword = match.groups[1]!
            let name = keyword == "init" || keyword == "subscript" ? keyword : match.groups[2]
            guard let name else { continue }
            result.names.insert(name)
            // The argument labels, when a parameter list follows.
            var index = match.offset + (match.groups[0]! as NSString).length
            if keyword == "case" {
                // `case a, b(x: Int), c = 2`: every element of the list, with its labels.
                let rest = string.substring(from: match.offset + ("case" as NSString).length)
                var depth = 0, element = ""
                var elements: [String] = []
                for character in rest {
                    if character == "(" { depth += 1 } else if character == ")" { depth -= 1 }
                    // A declaration's list ends with its line; a pattern's with `:` (`case .a, .b:`).
                    if character == "\n" || character == "{" || (depth == 0 && (character == ":" || character == "}")) { break }
                    if depth == 0 && character == "," { elements.append(element); element = "" } else { element.append(character) }
                }
                elements.append(element)
                for element in elements {
                    let trimmed = element.trimmingCharacters(in: .whitespaces)
                    let elementName = String(trimmed.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
                    guard !elementName.isEmpty else { continue }
                    result.names.insert(elementName)
                    let after = trimmed.dropFirst(elementName.count)
                    if after.hasPrefix("(") {
                        result.labels[elementName, default: []].insert(labels(ofParameterListAt: 0, in: String(after) as NSString))
                    } else {
                        result.labels[elementName, default: []].insert("")
                    }
                }
                continue
            }
            while index < string.length, let scalar = UnicodeScalar(string.character(at: index)),
                  scalar == " " || scalar == "<" || scalar == "?" || scalar == "!" {
                if scalar == "<" {   // generic parameters
                    var depth = 0
                    repeat {
                        let c = string.character(at: index)
                        if c == 60 { depth += 1 } else if c == 62 { depth -= 1 }
                        index += 1
                    } while depth > 0 && index < string.length
                } else {
                    index += 1
                }
            }
            guard index < string.length, string.character(at: index) == 40 /* ( */ else { continue }
            result.labels[name, default: []].insert(labels(ofParameterListAt: index, in: string))
        }
        return result
    }

    /// `a:b:_:` from the parameter list that opens at `start`.
    static func labels(ofParameterListAt start: Int, in string: NSString) -> String {
        var depth = 0, index = start, parameters: [String] = [], current = ""
        repeat {
            let character = Character(UnicodeScalar(string.character(at: index)) ?? " ")
            switch character {
            case "(", "[": depth += 1; if depth > 1 { current.append(character) }
            case ")", "]": depth -= 1; if depth > 0 { current.append(character) }
            case "<": depth += 1; current.append(character)
            case ">": if current.last != "-" { depth -= 1 }; current.append(character)
            case "," where depth == 1: parameters.append(current); current = ""
            default: current.append(character)
            }
            index += 1
        } while depth > 0 && index < string.length
        parameters.append(current)
        return parameters.compactMap { parameter -> String? in
            guard let colon = parameter.firstIndex(of: ":") else { return nil }
            let names = parameter[..<colon].split(whereSeparator: { $0.isWhitespace }).filter { !["inout", "_const"].contains($0) }
            guard let first = names.first else { return nil }
            return String(first) + ":"
        }.joined()
    }

    /// Every DocC symbol link (` ``Name`` `, ` ``Type/member(label:)`` `) outside code blocks
    /// must name a declaration; with argument labels, one with those labels.
    static func symbolFindings(document: String, text: String, declarations: Declarations) -> [Finding] {
        var findings: [Finding] = []
        for part in parts(of: text) where !part.isCode {
            for match in matches("``([^`]+)``", in: part.text) {
                let link = match.groups[1]!
                let lineNumber = part.firstLine + line(of: match.offset, in: part.text) - 1
                if link == "SHOTVAE" { continue }   // the module
                for component in link.split(separator: "/").map(String.init) {
                    var name = component, labels: String?
                    if let open = component.firstIndex(of: "(") {
                        name = String(component[..<open])
                        labels = String(component[component.index(after: open)...].dropLast())
                    }
                    if let dash = name.firstIndex(of: "-") { name = String(name[..<dash]) }   // disambiguation
                    let problem: String?
                    if !declarations.names.contains(name) {
                        problem = "no declaration named \(name) in Sources/SHOTVAE"
                    } else if let labels, !(declarations.labels[name] ?? []).contains(labels) {
                        problem = "no \(name) with the argument labels (\(labels)) in Sources/SHOTVAE"
                    } else {
                        problem = nil
                    }
                    if let problem {
                        findings.append(Finding(document: document, line: lineNumber, name: link, problem: problem))
                        break
                    }
                }
            }
        }
        return findings
    }

    // MARK: - Paths

    static let repositoryRoots = ["Sources/", "Documentation/", "Examples/", "Tests/", "Benchmarks/", "Data/", "Scripts/", "Fuzz/"]
    static let repositoryFiles: Set<String> = ["Makefile", "Package.swift", "README.md", "CHANGELOG.md"]

    /// Repository paths in code (`Sources/...`, `Makefile`, `Engine/Parallel.swift` under
    /// Sources/SHOTVAE) and markdown link targets must exist. URLs, absolute paths, globs and
    /// run outputs (`runs/...`) are not repository paths.
    static func pathFindings(document: String, text: String, exists: (String) -> Bool) -> [Finding] {
        var findings: [Finding] = []
        let folder = (document as NSString).deletingLastPathComponent
        func resolves(_ path: String, relativeToDocument: Bool) -> Bool {
            var candidates = [path]
            if relativeToDocument && !folder.isEmpty { candidates.insert(normalized(folder + "/" + path), at: 0) }
            if path.hasSuffix(".swift") && !repositoryRoots.contains(where: path.hasPrefix) {
                candidates += ["Sources/SHOTVAE/" + path, "Tests/SHOTVAETests/" + path, "Examples/" + path]
            }
            return candidates.contains(where: exists)
        }
        for (code, lineNumber) in codeSpans(of: text) {
            for token in code.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "=" }).map(String.init) {
                let path = token.trimmingCharacters(in: CharacterSet(charactersIn: ",;:.()[]'\"`"))
                guard !path.contains("*"), !path.contains("<"), !path.contains("://"), !path.hasPrefix("/"),
                      !path.hasPrefix("runs/"), !path.hasPrefix("~")
                else { continue }
                let isRepositoryPath = repositoryRoots.contains(where: path.hasPrefix) || repositoryFiles.contains(path)
                    || (path.hasSuffix(".swift") && path.contains("/"))
                if isRepositoryPath && !resolves(path, relativeToDocument: false) {
                    findings.append(Finding(document: document, line: lineNumber, name: path, problem: "no such file or folder"))
                }
            }
        }
        for part in parts(of: text) where !part.isCode {
            for match in matches("\\]\\(([^)\\s]+)\\)", in: part.text) {
                var target = match.groups[1]!
                if target.contains("://") || target.hasPrefix("#") || target.hasPrefix("mailto:") || target.hasPrefix("doc:") {
                    continue
                }
                if let hash = target.firstIndex(of: "#") { target = String(target[..<hash]) }
                if !resolves(target, relativeToDocument: true) {
                    findings.append(Finding(
                        document: document, line: part.firstLine + line(of: match.offset, in: part.text) - 1,
                        name: target, problem: "the link leads to no file"))
                }
            }
        }
        return findings.reduce(into: [Finding]()) { result, finding in
            if !result.contains(where: { $0.line == finding.line && $0.name == finding.name }) { result.append(finding) }
        }.sorted { ($0.line, $0.name) < ($1.line, $1.name) }
    }

    static func normalized(_ path: String) -> String {
        var components: [String] = []
        for component in path.split(separator: "/") {
            if component == ".." { if !components.isEmpty { components.removeLast() } }
            else if component != "." { components.append(String(component)) }
        }
        return components.joined(separator: "/")
    }

    // MARK: - make

    /// The targets the Makefile defines (`name:` at the start of a line; not `:=`).
    static func makeTargets(makefile: String) -> Set<String> {
        Set(matches("^([A-Za-z0-9_.-]+)\\s*:(?!=)", in: makefile, options: [.anchorsMatchLines]).compactMap { $0.groups[1] })
    }

    /// Every `make <target>` in code must name a target of the Makefile.
    static func makeFindings(document: String, text: String, targets: Set<String>) -> [Finding] {
        codeSpans(of: text).flatMap { code, lineNumber in
            matches("(?:^|[\\s;&|(])make\\s+([a-z][A-Za-z0-9_-]*)", in: code).compactMap { match -> Finding? in
                let target = match.groups[1]!
                return targets.contains(target) ? nil : Finding(
                    document: document, line: lineNumber, name: "make \(target)", problem: "the Makefile has no target \(target)")
            }
        }
    }

    // MARK: - Command lines

    /// ArgumentParser's long name for a property: `timeBudget` → `time-budget`, `skipWRN` → `skip-wrn`.
    static func kebabCase(_ name: String) -> String {
        let characters = Array(name)
        var result = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase && index > 0 {
                let previous = characters[index - 1]
                let nextIsLower = index + 1 < characters.count && characters[index + 1].isLowercase
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && nextIsLower) { result += "-" }
            }
            result += character.lowercased()
        }
        return result
    }

    /// The options of one `ParsableCommand` source: its `@Option` and `@Flag` properties.
    static func declaredOptions(source: String) -> Set<String> {
        Set(matches("@(?:Option|Flag)(?:\\([^\\n]*\\))?\\s+var\\s+([A-Za-z_][A-Za-z0-9_]*)", in: source).map {
            "--" + kebabCase($0.groups[1]!)
        } + ["--help", "-h"])
    }

    /// The executables of the packages in this repository and the options of the three tools.
    static func tools() throws -> [String: Tool] {
        var tools: [String: Tool] = [:]
        for manifest in ["Package.swift", "Fuzz/Package.swift", "Examples/CustomObjective/Package.swift"] {
            let text = (try? read(manifest)) ?? ""
            for match in matches("\\.executable(?:Target)?\\(\\s*name:\\s*\"([^\"]+)\"", in: text) {
                tools[match.groups[1]!] = Tool(options: [:])
            }
        }
        // Each tool's sources: the `path:` of its target in Package.swift.
        let manifest = try read("Package.swift")
        for tool in ["shotvae-mnist", "shotvae-cifar", "shotvae-bench"] {
            let pattern = "\\.executableTarget\\(\\s*name:\\s*\"\(tool)\"[\\s\\S]*?path:\\s*\"([^\"]+)\""
            let folder = try #require(matches(pattern, in: manifest).first?.groups[1] ?? nil, "Package.swift: no path for \(tool)")
            #expect(!files(under: folder, extensions: ["swift"]).isEmpty, "\(folder): no sources of \(tool)")
            var options: [String: Set<String>] = [:]
            for file in files(under: folder, extensions: ["swift"]) {
                let source = try read(file)
                let name = matches("commandName:\\s*\"([^\"]+)\"", in: source).first?.groups[1] ?? nil
                let subcommand = name == nil || name == tool ? "" : name!
                options[subcommand, default: ["--help", "-h"]].formUnion(declaredOptions(source: source))
            }
            tools[tool] = Tool(options: options)
        }
        return tools
    }

    /// Every `shotvae-*` command line in code must name an executable of the repository and use
    /// only the options it declares; `shotvae-bench` needs one of its subcommands. A tool run
    /// from the build folder (`.build/release/shotvae-mnist`, as `mpirun` runs it) counts too.
    static func commandFindings(document: String, text: String, tools: [String: Tool]) -> [Finding] {
        var findings: [Finding] = []
        for (code, lineNumber) in codeSpans(of: text) {
            for match in matches("(?:(?<![\\w/-])|(?<=release/))(shotvae-[a-z]+)(?![\\w/-])([^#|`]*)", in: code) {
                let tool = match.groups[1]!
                func report(_ name: String, _ problem: String) {
                    findings.append(Finding(document: document, line: lineNumber, name: name, problem: problem))
                }
                guard let declared = tools[tool] else {
                    report(tool, "no executable of that name in the repository's packages")
                    continue
                }
                guard !declared.options.isEmpty else { continue }   // an executable without parsed options
                let words = match.groups[2]!.split(whereSeparator: { $0.isWhitespace }).map(String.init)
                var subcommand = ""
                if declared.options.count > 1, let first = words.first, !first.hasPrefix("-") {
                    if first.contains("|") || first.hasPrefix("<") { continue }   // a list of subcommands
                    guard declared.options[first] != nil else {
                        report("\(tool) \(first)", "\(tool) has no subcommand \(first)")
                        continue
                    }
                    subcommand = first
                }
                let allowed = declared.options[subcommand, default: []].union(declared.options[""] ?? [])
                for word in words where word.hasPrefix("--") {
                    let option = String(word.prefix { $0 != "=" })
                    if !allowed.contains(option) {
                        report(([tool, subcommand].filter { !$0.isEmpty } + [option]).joined(separator: " "),
                               "\(tool) declares no option \(option)")
                    }
                }
            }
        }
        return findings
    }

    // MARK: - Method citations

    /// The numbers of the `## N. Title` headings of the Method article.
    static func methodSections(article: String) -> Set<Int> {
        Set(matches("^## (\\d+)\\. ", in: article, options: [.anchorsMatchLines]).compactMap { Int($0.groups[1]!) })
    }

    /// Every "Method.md section N" (or "sections N-M", "sections N and M", "sections N, M")
    /// must name a heading of the article. The citation may run over a comment's line break.
    static func citationFindings(document: String, text: String, sections: Set<Int>) -> [Finding] {
        let separator = "(?:\\s|///|//|#)+"
        let pattern = "Method\\.md" + separator + "sections?" + separator
            + "(\\d+(?:\\s*(?:-|–|,|and)\\s*\\d+)*)"
        var findings: [Finding] = []
        for match in matches(pattern, in: text) {
            let list = match.groups[1]!
            var numbers: [Int] = []
            for range in matches("(\\d+)(?:\\s*[-–]\\s*(\\d+))?", in: list) {
                let first = Int(range.groups[1]!)!
                let last = range.groups[2].flatMap { Int($0) } ?? first
                numbers += Array(first...max(first, last))
            }
            let citationLine = line(of: match.offset, in: text)
            for number in numbers where !sections.contains(number) {
                findings.append(Finding(
                    document: document, line: citationLine, name: "Method.md section \(number)",
                    problem: "the Method article has no section \(number)"))
            }
        }
        return findings
    }
}
