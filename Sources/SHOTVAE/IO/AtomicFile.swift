import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that a crash or a kill at any moment leaves either the previous file or
/// the complete new one, never a torn mixture.
///
/// The bytes go to a temporary file in the same folder, which is flushed to disk (`fsync`)
/// and then renamed over the destination; the rename is atomic on POSIX file systems, and
/// the folder is flushed afterwards so the rename itself survives a power loss.
enum AtomicFile {
    /// Writes `bytes` to `url` atomically.
    ///
    /// - Parameters:
    ///   - bytes: The new contents.
    ///   - url: The destination; its folder must exist.
    ///   - beforeRename: Called after the temporary file is complete and flushed, before the
    ///     rename (tests use it to simulate a crash at the worst moment).
    /// - Throws: ``SHOTVAEError`` naming the file when the file system refuses.
    static func write(_ bytes: [UInt8], to url: URL, beforeRename: () throws -> Void = {}) throws {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        let temporary = folder + "/." + url.lastPathComponent + ".partial-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            throw SHOTVAEError(.fileSystem, path: path, "cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        var written = 0
        try bytes.withUnsafeBytes { buffer in
            while written < buffer.count {
                let result = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    unlink(temporary)
                    throw SHOTVAEError(.fileSystem, path: path, "cannot write \(temporary): \(reason)")
                }
                written += result
            }
        }
        guard fsync(descriptor) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw SHOTVAEError(.fileSystem, path: path, "cannot flush \(temporary): \(reason)")
        }
        close(descriptor)
        closed = true
        do {
            try beforeRename()
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw SHOTVAEError(.fileSystem, path: path, "cannot move the new file into place: \(reason)")
        }
        let folderDescriptor = open(folder.isEmpty ? "." : folder, O_RDONLY)
        if folderDescriptor >= 0 {
            fsync(folderDescriptor)
            close(folderDescriptor)
        }
    }
}
