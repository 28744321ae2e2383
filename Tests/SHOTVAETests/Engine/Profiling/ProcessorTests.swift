import Foundation
import Testing

@_spi(Benchmarks) @testable import SHOTVAE

/// The machine description that benchmark reports carry, read from `/proc/cpuinfo` and
/// `/proc/meminfo` texts as two kinds of cloud machine print them.
struct ProcessorTests {
    /// Two processors of a Xeon whose model name does not say which one it is: the family and
    /// model numbers do, and the flags give its vector extensions in the fixed order.
    @Test func xeonWithAGenericName() throws {
        let processor = try #require(Processor(cpuinfo: Self.cpuinfo(
            vendor: "GenuineIntel", family: 6, model: 207, name: "Intel(R) Xeon(R) Processor", count: 2,
            flags: "fpu sse2 avx avx2 fma avx512f avx512dq avx512_bf16 amx_bf16 amx_tile"),
            meminfo: "MemTotal:       24598768 kB\nMemFree:        20000000 kB\n"))
        #expect(processor.vendor == "GenuineIntel" && processor.family == 6 && processor.model == 207)
        #expect(processor.logicalCPUs == 2)
        #expect(processor.vectorExtensions == ["AVX2", "FMA", "AVX-512F", "AVX-512 BF16", "AMX"])
        #expect(processor.memoryBytes == 24_598_768 * 1024)
        #expect(processor.summary == "2 logical CPUs of an Intel(R) Xeon(R) Processor (GenuineIntel family 6 model 207; "
                + "AVX2, FMA, AVX-512F, AVX-512 BF16, AMX), 23 GiB")
        let json = processor.json
        #expect(json["family"] as? Int == 6 && json["model"] as? Int == 207 && json["logical_cpus"] as? Int == 2)
        #expect(json["vector_extensions"] as? [String] == processor.vectorExtensions)
    }

    /// An AMD processor without AVX-512 or memory text: the description says what it has.
    @Test func epycWithoutAVX512() throws {
        let processor = try #require(Processor(cpuinfo: Self.cpuinfo(
            vendor: "AuthenticAMD", family: 23, model: 49, name: "AMD EPYC 7B12", count: 1, flags: "fpu avx fma avx2")))
        #expect(processor.vectorExtensions == ["AVX2", "FMA"])
        #expect(processor.memoryBytes == nil && processor.json["memory_bytes"] == nil)
        #expect(processor.summary == "1 logical CPU of an AMD EPYC 7B12 (AuthenticAMD family 23 model 49; AVX2, FMA)")
    }

    /// Text without a processor (another system's file, or an empty read) describes nothing.
    @Test func textWithoutProcessorsDescribesNothing() {
        #expect(Processor(cpuinfo: "") == nil)
        #expect(Processor(cpuinfo: "Hardware : BCM2835\nRevision : a02082\n") == nil)
    }

    /// This machine: on Linux, at least one logical CPU and the vendor's name.
    @Test func thisMachine() throws {
        #if os(Linux)
        let processor = try #require(Processor.current())
        #expect(processor.logicalCPUs >= 1)
        #expect(!processor.vendor.isEmpty && processor.memoryBytes ?? 0 > 0)
        #else
        #expect(Processor.current() == nil)
        #endif
    }

    /// `/proc/cpuinfo` as Linux prints it on x86-64: one block of fields per processor.
    static func cpuinfo(vendor: String, family: Int, model: Int, name: String, count: Int, flags: String) -> String {
        (0..<count).map { index in
            """
            processor\t: \(index)
            vendor_id\t: \(vendor)
            cpu family\t: \(family)
            model\t\t: \(model)
            model name\t: \(name)
            stepping\t: 2
            flags\t\t: \(flags)

            """
        }.joined(separator: "\n")
    }
}
