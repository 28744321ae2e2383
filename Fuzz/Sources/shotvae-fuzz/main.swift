// shotvae-fuzz: libFuzzer over SHOTVAE's file readers (see README.md).
//
//   SHOTVAE_FUZZ_FORMAT=<format> shotvae-fuzz [libFuzzer flags] [corpus folders or files]
//   shotvae-fuzz seeds <folder>                         writes valid seed inputs per format
//   shotvae-fuzz bad-files <folder>                     writes the hand-made bad-file corpus
//   shotvae-fuzz materialize <format> <input> <output>  writes the file(s) the reader sees
//
// Formats: idx, idx-gzip, cifar, cifar-tgz, safetensors, checkpoint.

import CFuzzer
import Foundation

func usage() -> Never {
    let formats = Format.allCases.map(\.rawValue).joined(separator: ", ")
    FileHandle.standardError.write(
        Data(
            """
            usage: SHOTVAE_FUZZ_FORMAT=<format> shotvae-fuzz [libFuzzer flags] [corpus...]
                   shotvae-fuzz seeds <folder>
                   shotvae-fuzz bad-files <folder>
                   shotvae-fuzz materialize <format> <input> <output>
            formats: \(formats)

            """.utf8))
    exit(2)
}

let arguments = CommandLine.arguments
if arguments.count >= 2, arguments[1] == "seeds" {
    guard arguments.count == 3 else { usage() }
    do {
        try Seeds.write(to: URL(fileURLWithPath: arguments[2]))
    } catch {
        FileHandle.standardError.write(Data("cannot write the seeds: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}
if arguments.count >= 2, arguments[1] == "bad-files" {
    guard arguments.count == 3 else { usage() }
    do {
        try BadFiles.write(to: URL(fileURLWithPath: arguments[2]))
    } catch {
        FileHandle.standardError.write(Data("cannot write the bad files: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}
if arguments.count >= 2, arguments[1] == "materialize" {
    guard arguments.count == 5, let format = Format(rawValue: arguments[2]) else { usage() }
    do {
        let input = [UInt8](try Data(contentsOf: URL(fileURLWithPath: arguments[3])))
        for (suffix, bytes) in Target.materialize(format, input) {
            try Data(bytes).write(to: URL(fileURLWithPath: arguments[4] + suffix))
            print(arguments[4] + suffix)
        }
    } catch {
        FileHandle.standardError.write(Data("cannot materialize: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}

guard let name = ProcessInfo.processInfo.environment["SHOTVAE_FUZZ_FORMAT"],
    let format = Format(rawValue: name)
else { usage() }
let selectedFormat = format

atexit { try? FileManager.default.removeItem(at: Target.scratchFolder) }

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
let status = LLVMFuzzerRunDriver(&argc, &argv) { data, count in
    let input = count == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: count))
    Target.run(selectedFormat, input)
    return 0
}
exit(status)
