import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Your own images, in the layout of torchvision's `ImageFolder`: one folder per class under
/// `root/train` and `root/test`, PNG and JPEG files in them (or in folders of them, at any
/// depth), and optionally images without a class under `root/unlabeled` (in it or in folders
/// of it).
///
/// ```
/// root/train/cat/0001.png   root/train/dog/0002.jpg   root/train/dog/more/0003.png   ...
/// root/test/cat/0100.png    root/test/dog/0101.jpeg   ...
/// root/unlabeled/5000.png   root/unlabeled/batch2/5001.jpg   ...
/// ```
///
/// A class's index is its folder's position among the sorted folder names of `root/train`
/// (`classNames`); `root/test` must have the same folders. Files are taken in sorted order;
/// names starting with a dot, and files whose extension is not `png`, `jpg` or `jpeg` (in any
/// case), are skipped. Every image is decoded (``ImageFile``: libpng, libjpeg-turbo) to the
/// model's channel count; all must have the size of the first, unless a `size` is given, to
/// which each is resized (bilinear). Decoding runs on every core, with progress on a terminal.
///
/// ```swift
/// let folder = try ImageFolder(root: URL(fileURLWithPath: "pets"), channels: 3, showsProgress: true)
/// var rng = RandomGenerator(seed: 1)
/// let split = try folder.split(labelsPerClass: 25, generator: &rng)
/// // or the labeled images listed in a file of `relative/path class` lines:
/// let listed = try folder.split(labelFile: URL(fileURLWithPath: "pets/labels.txt"))
/// ```
public struct ImageFolder: Sendable {
    /// The folder given.
    public let root: URL
    /// The class names, sorted: class `k` is `classNames[k]`.
    public let classNames: [String]
    /// `root/train`, in [0, 1], `[N, channels, H, W]`.
    public let train: LabeledImages
    /// `root/test`, with the same classes.
    public let test: LabeledImages
    /// The path of each training image relative to `root/train` (`cat/0001.png`,
    /// `dog/more/0003.png`), in the order of ``train``.
    public let trainPaths: [String]
    /// The images of `root/unlabeled`, which have no class; `nil` without that folder.
    public let unlabeled: UnlabeledImages?
    /// The path of each image of ``unlabeled`` relative to `root/unlabeled`, in its order.
    public let unlabeledPaths: [String]

    /// Whether `url` is laid out as an image folder: a folder with `train` and `test` folders in
    /// it (the command-line tools tell it from the official formats this way).
    public static func isImageFolder(_ url: URL) -> Bool {
        ["train", "test"].allSatisfy { name in
            var isFolder: ObjCBool = false
            return FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &isFolder)
                && isFolder.boolValue
        }
    }

    /// The file extensions read, in lower case.
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Reads the folder.
    ///
    /// - Parameters:
    ///   - root: The folder holding `train` and `test`.
    ///   - channels: 1 (grey) or 3 (RGB): what every image is converted to.
    ///   - size: Resize every image to this `(height, width)`; `nil` requires all to have one size.
    ///   - showsProgress: Show the decoding's progress on standard error, when it is a terminal.
    /// - Throws: ``SHOTVAEError`` naming the file or folder: a missing `train` or `test` folder,
    ///   fewer than two class folders, a class folder or an `unlabeled` folder without images, a
    ///   link to a folder that holds it, test classes that differ from
    ///   the training classes, an unreadable, truncated or corrupt image, or (without `size`) an
    ///   image of another size.
    public init(root: URL, channels: Int = 3, size: (height: Int, width: Int)? = nil, showsProgress: Bool = false) throws {
        guard channels == 1 || channels == 3 else {
            throw SHOTVAEError(.invalidArgument, "images are read with 1 or 3 channels, not \(channels)")
        }
        if let size, size.height < 1 || size.width < 1 {
            throw SHOTVAEError(.invalidArgument, "the size to resize to must be positive, got \(size.height)x\(size.width)")
        }
        self.root = root
        let trainFiles = try Self.classFiles(root.appendingPathComponent("train"))
        let testFiles = try Self.classFiles(root.appendingPathComponent("test"))
        classNames = trainFiles.map(\.name)
        guard testFiles.map(\.name) == classNames else {
            let missing = Set(classNames).subtracting(testFiles.map(\.name)).sorted()
            let extra = Set(testFiles.map(\.name)).subtracting(classNames).sorted()
            throw SHOTVAEError(.invalidFile, path: root.appendingPathComponent("test").path,
                               "the test classes differ from the training classes (missing: \(missing), not in train: \(extra))")
        }
        trainPaths = trainFiles.flatMap { folder in folder.files.map { folder.name + "/" + $0 } }
        let trainURLs = trainPaths.map { root.appendingPathComponent("train").appendingPathComponent($0) }
        let testURLs = testFiles.flatMap { folder in
            folder.files.map { root.appendingPathComponent("test").appendingPathComponent(folder.name).appendingPathComponent($0) }
        }
        let trainLabels = trainFiles.enumerated().flatMap { label, folder in [Int](repeating: label, count: folder.files.count) }
        let testLabels = testFiles.enumerated().flatMap { label, folder in [Int](repeating: label, count: folder.files.count) }
        // The test images take the training images' size (or are resized to `size` too).
        let trainImages = try Self.decode(trainURLs, channels: channels, size: size, showsProgress: showsProgress)
        let reference = (url: trainURLs[0], height: trainImages.shape[2], width: trainImages.shape[3])
        let testImages = try Self.decode(testURLs, channels: channels, size: size, sameSizeAs: reference,
                                         showsProgress: showsProgress)
        train = LabeledImages(images: trainImages, labels: trainLabels, classCount: classNames.count)
        test = LabeledImages(images: testImages, labels: testLabels, classCount: classNames.count)
        let unlabeledFolder = root.appendingPathComponent("unlabeled")
        unlabeledPaths = try Self.unlabeledFiles(unlabeledFolder)
        unlabeled = unlabeledPaths.isEmpty ? nil : UnlabeledImages(images: try Self.decode(
            unlabeledPaths.map { unlabeledFolder.appendingPathComponent($0) }, channels: channels, size: size,
            sameSizeAs: reference, showsProgress: showsProgress))
    }

    /// The split with `labelsPerClass` labeled and `validationPerClass` validation images of
    /// each class, chosen by `generator` (``SemiSupervisedSplit/init(_:labelsPerClass:validationPerClass:generator:)``),
    /// with the ``unlabeled`` images added to the unlabeled set.
    ///
    /// - Throws: ``SHOTVAEError`` when a class has fewer images than requested.
    public func split(labelsPerClass: Int, validationPerClass: Int = 0, generator: inout RandomGenerator) throws -> SemiSupervisedSplit {
        try withUnlabeledImages(SemiSupervisedSplit(
            train, labelsPerClass: labelsPerClass, validationPerClass: validationPerClass, generator: &generator))
    }

    /// `split` with the ``unlabeled`` images, if any, added to its unlabeled set.
    func withUnlabeledImages(_ split: SemiSupervisedSplit) throws -> SemiSupervisedSplit {
        guard let unlabeled else { return split }
        return try split.addingUnlabeled(unlabeled)
    }

    /// The split whose labeled images are those listed in `labelFile`, one `path class` line
    /// each (the format of Mean Teacher's label files): `path` relative to `root/train`
    /// (`cat/0001.png`) or a file name found once there, `class` a class folder's name. Blank
    /// lines are skipped. Every training image is also unlabeled, as in the paper, and so are
    /// the ``unlabeled`` images.
    ///
    /// - Throws: ``SHOTVAEError`` naming the label file and line: a class without a folder, a
    ///   path that is not a training image, an image listed twice or under another class.
    public func split(labelFile: URL) throws -> SemiSupervisedSplit {
        let text: String
        do {
            text = try String(contentsOf: labelFile, encoding: .utf8)
        } catch {
            throw SHOTVAEError(.fileSystem, path: labelFile.path, "cannot read the label file (\(error.localizedDescription))")
        }
        let byPath = Dictionary(uniqueKeysWithValues: trainPaths.enumerated().map { ($1, $0) })
        var byName: [String: [Int]] = [:]
        for (index, path) in trainPaths.enumerated() { byName[String(path.split(separator: "/").last!), default: []].append(index) }
        var labeled: [Int] = []
        var seen = Set<Int>()
        for (number, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let fields = line.split(whereSeparator: \.isWhitespace).map(String.init)
            if fields.isEmpty { continue }
            let place = "line \(number + 1)"
            guard fields.count == 2 else {
                throw SHOTVAEError(.invalidFile, path: labelFile.path, "\(place): expected \"path class\", got \"\(line)\"")
            }
            let (path, className) = (fields[0], fields[1])
            guard let label = classNames.firstIndex(of: className) else {
                throw SHOTVAEError(.invalidFile, path: labelFile.path,
                                   "\(place): class \"\(className)\" has no folder in \(root.appendingPathComponent("train").path)")
            }
            let matches = byPath[path].map { [$0] } ?? byName[path] ?? []
            guard matches.count == 1, let index = matches.first else {
                throw SHOTVAEError(.invalidFile, path: labelFile.path, matches.isEmpty
                    ? "\(place): \(path) is not an image of \(root.appendingPathComponent("train").path)"
                    : "\(place): \(path) names \(matches.count) training images; give its folder too (class/\(path))")
            }
            guard train.labels[index] == label else {
                throw SHOTVAEError(.invalidFile, path: labelFile.path,
                                   "\(place): \(trainPaths[index]) is listed as \"\(className)\" but lies in the folder of \"\(classNames[train.labels[index]])\"")
            }
            guard seen.insert(index).inserted else {
                throw SHOTVAEError(.invalidFile, path: labelFile.path, "\(place): \(trainPaths[index]) is listed twice")
            }
            labeled.append(index)
        }
        guard !labeled.isEmpty else { throw SHOTVAEError(.invalidFile, path: labelFile.path, "the label file lists no image") }
        return try withUnlabeledImages(SemiSupervisedSplit(train, labeledIndices: labeled))
    }

    // MARK: - Reading

    /// The class folders of `folder`, sorted, each with its image files (at any depth in it),
    /// sorted.
    static func classFiles(_ folder: URL) throws -> [(name: String, files: [String])] {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw SHOTVAEError(.fileSystem, path: folder.path, "no such folder: an image folder has train/<class>/ and test/<class>/")
        }
        let classes = try contents(folder).filter { name in
            var isClass: ObjCBool = false
            return manager.fileExists(atPath: folder.appendingPathComponent(name).path, isDirectory: &isClass) && isClass.boolValue
        }
        guard !classes.isEmpty else { throw SHOTVAEError(.invalidFile, path: folder.path, "no class folders") }
        guard classes.count > 1 else {
            throw SHOTVAEError(.invalidFile, path: folder.path, "one class folder (\(classes[0])): a classifier needs at least two")
        }
        return try classes.map { name in
            let files = try imageFiles(under: folder.appendingPathComponent(name))
            guard !files.isEmpty else {
                throw SHOTVAEError(.invalidFile, path: folder.appendingPathComponent(name).path,
                                   "the class folder has no PNG or JPEG image")
            }
            return (name, files)
        }
    }

    /// The image files under `folder` (in it and in its folders, at any depth), as sorted paths
    /// relative to it; none when there is no such folder.
    static func unlabeledFiles(_ folder: URL) throws -> [String] {
        let manager = FileManager.default
        var isFolder: ObjCBool = false
        guard manager.fileExists(atPath: folder.path, isDirectory: &isFolder) else { return [] }
        guard isFolder.boolValue else {
            throw SHOTVAEError(.invalidFile, path: folder.path, "not a folder: unlabeled images go in a folder named unlabeled")
        }
        let files = try imageFiles(under: folder)
        guard !files.isEmpty else { throw SHOTVAEError(.invalidFile, path: folder.path, "the unlabeled folder has no PNG or JPEG image") }
        return files
    }

    /// The image files in `folder` and in its folders at any depth (as torchvision's
    /// `ImageFolder` reads a class folder, links followed), as sorted paths relative to it.
    ///
    /// - Throws: ``SHOTVAEError`` naming a link to a folder that holds it, which would read
    ///   the same images again and again.
    static func imageFiles(under folder: URL) throws -> [String] {
        var files: [String] = []
        // The real paths of the folders being read, from `folder` down.
        var ancestors: Set<String> = [folder.resolvingSymlinksInPath().path]
        func visit(_ relative: String) throws {
            for name in try contents(relative.isEmpty ? folder : folder.appendingPathComponent(relative)) {
                let path = relative.isEmpty ? name : relative + "/" + name
                let url = folder.appendingPathComponent(path)
                var isSubfolder: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isSubfolder)
                if isSubfolder.boolValue {
                    let real = url.resolvingSymlinksInPath().path
                    guard ancestors.insert(real).inserted else {
                        throw SHOTVAEError(.invalidFile, path: url.path,
                                           "a link to \(real), a folder that holds it: its images would be read again and again")
                    }
                    try visit(path)
                    ancestors.remove(real)
                } else if extensions.contains((name as NSString).pathExtension.lowercased()) {
                    files.append(path)
                }
            }
        }
        try visit("")
        return files.sorted()
    }

    /// The names in `folder`, sorted, hidden ones left out.
    private static func contents(_ folder: URL) throws -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.sorted()
        } catch {
            throw SHOTVAEError(.fileSystem, path: folder.path, "cannot list the folder (\(error.localizedDescription))")
        }
    }

    /// The images of `urls` as one tensor `[N, channels, H, W]`, decoded on every core: each
    /// resized to `size` when given; otherwise all of the size of `reference` (the first image
    /// when `nil`).
    static func decode(
        _ urls: [URL], channels: Int, size: (height: Int, width: Int)?,
        sameSizeAs reference: (url: URL, height: Int, width: Int)? = nil, showsProgress: Bool
    ) throws -> Tensor {
        let first = try ImageFile(contentsOf: urls[0], channels: channels)
        let model = reference ?? (urls[0], first.height, first.width)
        let (height, width) = size ?? (model.height, model.width)
        let imageSize = channels * height * width
        var images = Tensor(uninitializedShape: [urls.count, channels, height, width])
        let destination = UncheckedSendable(images.mutablePointer)
        let failures = Mutex<[Int: SHOTVAEError]>([:])
        let next = Atomic<Int>(0), done = Atomic<Int>(0)
        let progress = showsProgress && isatty(STDERR_FILENO) != 0
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, urls.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var lastShown = Date.distantPast
            while case let index = next.add(1, ordering: .relaxed).oldValue, index < urls.count {
                do {
                    var image = index == 0 ? first : try ImageFile(contentsOf: urls[index], channels: channels)
                    if let size {
                        image = image.resized(height: size.height, width: size.width)
                    } else if image.height != height || image.width != width {
                        throw SHOTVAEError(.invalidFile, path: urls[index].path,
                                           "\(image.width)x\(image.height) pixels, where the first image (\(model.url.path)) has \(width)x\(height); give a size to resize them all to one")
                    }
                    image.values.withUnsafeBufferPointer {
                        (destination.value + index * imageSize).update(from: $0.baseAddress!, count: imageSize)
                    }
                } catch let error as SHOTVAEError {
                    failures.withLock { $0[index] = error }
                } catch {
                    failures.withLock { $0[index] = SHOTVAEError(.invalidFile, path: urls[index].path, "\(error)") }
                }
                let finished = done.add(1, ordering: .relaxed).newValue
                if progress, worker == 0, Date().timeIntervalSince(lastShown) > 0.2 {
                    lastShown = Date()
                    FileHandle.standardError.write(Data("\rdecoding images: \(finished) of \(urls.count)".utf8))
                }
            }
        }
        if progress { FileHandle.standardError.write(Data("\rdecoding images: \(urls.count) of \(urls.count)\n".utf8)) }
        if let (_, error) = failures.withLock({ $0.min { $0.key < $1.key } }) { throw error }
        return images
    }
}
