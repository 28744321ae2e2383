/// An error from input that SHOTVAE does not control: files, checkpoints, options.
///
/// The description names the file (when there is one) and the problem, for example
/// `checkpoint.safetensors: tensor "encoder.conv1.weight": data offsets 0..<400 end past the data section (256 bytes)`.
public struct SHOTVAEError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What went wrong, broadly.
    public enum Kind: Sendable, Equatable {
        /// A file's contents are malformed, truncated or inconsistent.
        case invalidFile
        /// The file system refused an operation (missing file, permissions, full disk).
        case fileSystem
        /// A value given by the caller is out of range or inconsistent.
        case invalidArgument
        /// Stored data does not fit the model or configuration it is loaded into.
        case mismatch
        /// A computation produced a value that is not finite.
        case numerical
    }

    /// What went wrong, broadly.
    public var kind: Kind
    /// The file concerned, if any.
    public var path: String?
    /// The problem, in words.
    public var reason: String

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - kind: What went wrong, broadly.
    ///   - path: The file concerned, if any.
    ///   - reason: The problem, in words.
    public init(_ kind: Kind, path: String? = nil, _ reason: String) {
        self.kind = kind
        self.path = path
        self.reason = reason
    }

    /// `path: reason`, or the reason alone.
    public var description: String {
        if let path { return "\(path): \(reason)" }
        return reason
    }
}
