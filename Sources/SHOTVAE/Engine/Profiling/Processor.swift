import Foundation

/// The machine a benchmark ran on, as Linux describes it in `/proc/cpuinfo` and
/// `/proc/meminfo`: enough to tell one kind of machine from another when figures travel (the
/// same model name can stand for several processors, "Intel(R) Xeon(R) Processor" on some cloud
/// machines, so the vendor's family and model numbers come with it), and the vector extensions
/// that decide which kernels run.
@_spi(Benchmarks)
public struct Processor: Equatable, Sendable {
    /// The vendor string, such as `GenuineIntel` or `AuthenticAMD`.
    public var vendor: String
    /// The vendor's family number (6 for Intel's Core and Xeon, 25 for AMD's Zen 3 and Zen 4).
    public var family: Int?
    /// The vendor's model number within the family (207 for a 5th-generation Xeon).
    public var model: Int?
    /// The marketing name, as the firmware reports it.
    public var modelName: String
    /// The logical CPUs the system lists.
    public var logicalCPUs: Int
    /// The vector extensions that matter to the engine and to PyTorch's CPU kernels, in a fixed
    /// order: `AVX2`, `FMA`, `AVX-512F`, `AVX-512 BF16`, `AMX`.
    public var vectorExtensions: [String]
    /// Total memory in bytes, if `/proc/meminfo` was read.
    public var memoryBytes: Int?

    /// The flags of `/proc/cpuinfo` that ``vectorExtensions`` names, with their names.
    static let namedFlags = [("avx2", "AVX2"), ("fma", "FMA"), ("avx512f", "AVX-512F"),
                             ("avx512_bf16", "AVX-512 BF16"), ("amx_tile", "AMX")]

    /// Reads the description from the text of `/proc/cpuinfo` (the first processor's fields,
    /// every processor counted) and, if given, of `/proc/meminfo`. Returns `nil` when the text
    /// lists no processor.
    public init?(cpuinfo: String, meminfo: String? = nil) {
        var fields: [String: String] = [:]
        var count = 0
        for line in cpuinfo.split(separator: "\n", omittingEmptySubsequences: true) {
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingCharacters(in: .whitespaces)
            let value = parts[1].trimmingCharacters(in: .whitespaces)
            if key == "processor" { count += 1 }
            // The first processor's fields: all processors of one machine report the same.
            if count == 1, fields[key] == nil { fields[key] = value }
        }
        guard count > 0 else { return nil }
        vendor = fields["vendor_id"] ?? "unknown vendor"
        family = fields["cpu family"].flatMap { Int($0) }
        model = fields["model"].flatMap { Int($0) }
        modelName = fields["model name"] ?? "unknown processor"
        logicalCPUs = count
        let flags = Set((fields["flags"] ?? "").split(separator: " ").map(String.init))
        vectorExtensions = Self.namedFlags.filter { flags.contains($0.0) }.map(\.1)
        memoryBytes = meminfo.flatMap(Self.totalMemory)
    }

    /// `MemTotal` of `/proc/meminfo`, in bytes.
    static func totalMemory(_ meminfo: String) -> Int? {
        for line in meminfo.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let words = line.split(separator: " ")
            guard words.count >= 2, let kibibytes = Int(words[1]) else { return nil }
            return kibibytes * 1024
        }
        return nil
    }

    /// This machine's description, or `nil` where `/proc/cpuinfo` cannot be read (not Linux).
    public static func current() -> Processor? {
        guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        return Processor(cpuinfo: cpuinfo, meminfo: try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))
    }

    /// One line for a report: `2 logical CPUs of an Intel(R) Xeon(R) Processor (GenuineIntel
    /// family 6 model 207; AVX2, FMA, AVX-512F, AVX-512 BF16, AMX), 24 GiB`.
    public var summary: String {
        let identity = [vendor] + (family.map { ["family \($0)"] } ?? []) + (model.map { ["model \($0)"] } ?? [])
        let extensions = vectorExtensions.isEmpty ? "no AVX2" : vectorExtensions.joined(separator: ", ")
        let memory = memoryBytes.map { String(format: ", %.0f GiB", Double($0) / Double(1 << 30)) } ?? ""
        let cpus = logicalCPUs == 1 ? "1 logical CPU" : "\(logicalCPUs) logical CPUs"
        return "\(cpus) of \(article(modelName)) \(modelName) (\(identity.joined(separator: " ")); \(extensions))\(memory)"
    }

    /// The fields for a JSON report.
    public var json: [String: Any] {
        var object: [String: Any] = [
            "summary": summary, "vendor": vendor, "model_name": modelName, "logical_cpus": logicalCPUs,
            "vector_extensions": vectorExtensions,
        ]
        if let family { object["family"] = family }
        if let model { object["model"] = model }
        if let memoryBytes { object["memory_bytes"] = memoryBytes }
        return object
    }

    /// "an" before a vowel sound as spelled ("an Intel", "an AMD"), "a" otherwise.
    private func article(_ name: String) -> String {
        guard let first = name.first else { return "a" }
        return "AEIOU".contains(first.uppercased()) ? "an" : "a"
    }
}
