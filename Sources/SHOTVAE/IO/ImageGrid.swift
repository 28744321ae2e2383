import Foundation

/// A batch of images laid out as one picture, to look at samples and reconstructions.
///
/// Images come as a ``Tensor`` of shape `[N, C, H, W]` (NCHW, with `C` = 1 for grayscale or
/// 3 for RGB) and are placed left to right, top to bottom, with `padding` pixels of
/// `background` between them and around the border, as torchvision's `make_grid` does.
/// Values are mapped linearly from `valueRange` to 0...255, rounded and clamped; NaN
/// becomes 0.
///
/// ```swift
/// let samples = decoder(z)                       // [64, 1, 28, 28], values in 0...1
/// try ImageGrid(images: samples, columns: 8).write(to: URL(fileURLWithPath: "samples.png"))
///
/// // Inputs above their reconstructions.
/// let pairs = ImageGrid(rows: [inputs, reconstructions])
/// ```
public struct ImageGrid: Sendable, Equatable {
    /// The picture's width in pixels.
    public let width: Int
    /// The picture's height in pixels.
    public let height: Int
    /// Channels per pixel: 1 (grayscale) or 3 (RGB).
    public let channels: Int
    /// The pixels, row-major, channels interleaved: `height * width * channels` bytes.
    public let pixels: [UInt8]

    /// Arranges a batch of images in a grid with a fixed number of columns.
    ///
    /// The grid has `ceil(N / columns)` rows; cells after the last image keep the background.
    /// Its width is `columns * W + (columns + 1) * padding` and its height
    /// `rows * H + (rows + 1) * padding`.
    ///
    /// - Parameters:
    ///   - images: A batch of shape `[N, C, H, W]` with `N` at least 1 and `C` 1 or 3.
    ///   - columns: Images per row, at least 1.
    ///   - valueRange: The values shown as black (lower bound) and white (upper bound).
    ///   - padding: Pixels between images and around the border, zero or more.
    ///   - background: The gray level of the padding and of empty cells.
    public init(
        images: Tensor, columns: Int, valueRange: ClosedRange<Float> = 0...1, padding: Int = 2,
        background: UInt8 = 255
    ) {
        precondition(columns >= 1, "ImageGrid needs at least one column, got \(columns).")
        ImageGrid.checkBatch(images, "images")
        precondition(
            images.shape[0] >= 1, "ImageGrid needs at least one image; images have shape \(images.shape).")
        let count = images.shape[0]
        let rows = stride(from: 0, to: count, by: columns).map { $0..<min($0 + columns, count) }
        self.init(
            cells: rows.map { range in range.map { (images, $0) } }, columns: columns,
            shape: images.shape, valueRange: valueRange, padding: padding, background: background)
    }

    /// Arranges several batches as the rows of a grid, one batch per row.
    ///
    /// Batches may hold different numbers of images; the grid is as wide as the longest row,
    /// and shorter rows are filled with the background. Use it to show inputs above their
    /// reconstructions, or one row of samples per class.
    ///
    /// - Parameters:
    ///   - rows: At least one batch, each of shape `[N_i, C, H, W]`, all with the same `C`
    ///     (1 or 3), `H` and `W`, and at least one image among them.
    ///   - valueRange: The values shown as black (lower bound) and white (upper bound).
    ///   - padding: Pixels between images and around the border, zero or more.
    ///   - background: The gray level of the padding and of empty cells.
    public init(
        rows: [Tensor], valueRange: ClosedRange<Float> = 0...1, padding: Int = 2, background: UInt8 = 255
    ) {
        precondition(!rows.isEmpty, "ImageGrid(rows:) needs at least one row.")
        for (index, row) in rows.enumerated() {
            ImageGrid.checkBatch(row, "rows[\(index)]")
            precondition(
                row.shape.dropFirst() == rows[0].shape.dropFirst(),
                "Every row needs the same [C, H, W]; rows[0] has shape \(rows[0].shape), "
                    + "rows[\(index)] has \(row.shape).")
        }
        let columns = rows.map { $0.shape[0] }.max() ?? 0
        precondition(columns >= 1, "ImageGrid(rows:) needs at least one image; every row is empty.")
        self.init(
            cells: rows.map { row in (0..<row.shape[0]).map { (row, $0) } }, columns: columns,
            shape: rows[0].shape, valueRange: valueRange, padding: padding, background: background)
    }

    /// The picture encoded as a PNG file (8-bit grayscale or RGB).
    public func pngData() -> [UInt8] {
        PNG.encode(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// Writes the picture as a PNG file, atomically.
    ///
    /// - Parameter url: The destination; its folder must exist.
    /// - Throws: ``SHOTVAEError`` naming the file when the file system refuses.
    public func write(to url: URL) throws {
        try AtomicFile.write(pngData(), to: url)
    }

    /// The channel values of the pixel in column `x` and row `y`, counted from the top left.
    public func pixel(x: Int, y: Int) -> [UInt8] {
        precondition(
            x >= 0 && x < width && y >= 0 && y < height,
            "Pixel (\(x), \(y)) is outside the \(width) x \(height) grid.")
        let start = (y * width + x) * channels
        return Array(pixels[start..<(start + channels)])
    }

    // MARK: - Implementation details

    /// Lays out `cells[row][column]`, each an image of a batch given by its index.
    private init(
        cells: [[(batch: Tensor, index: Int)]], columns: Int, shape: [Int], valueRange: ClosedRange<Float>,
        padding: Int, background: UInt8
    ) {
        precondition(padding >= 0, "ImageGrid padding cannot be negative, got \(padding).")
        precondition(
            valueRange.lowerBound.isFinite && valueRange.upperBound.isFinite
                && valueRange.lowerBound < valueRange.upperBound,
            "ImageGrid needs a finite value range with lower < upper bound, got \(valueRange).")
        let (channels, imageHeight, imageWidth) = (shape[1], shape[2], shape[3])
        let width = columns * imageWidth + (columns + 1) * padding
        let height = cells.count * imageHeight + (cells.count + 1) * padding
        precondition(width > 0 && height > 0, "ImageGrid of images \(shape) would be empty.")

        let lower = valueRange.lowerBound
        let scale = 255 / (valueRange.upperBound - valueRange.lowerBound)
        var pixels = [UInt8](repeating: background, count: width * height * channels)
        let plane = imageHeight * imageWidth
        for (row, rowCells) in cells.enumerated() {
            for (column, cell) in rowCells.enumerated() {
                let left = padding + column * (imageWidth + padding)
                let top = padding + row * (imageHeight + padding)
                cell.batch.withUnsafeBufferPointer { values in
                    let image = cell.index * channels * plane
                    for y in 0..<imageHeight {
                        var target = ((top + y) * width + left) * channels
                        for x in 0..<imageWidth {
                            for channel in 0..<channels {
                                let value = values[image + channel * plane + y * imageWidth + x]
                                pixels[target + channel] = ImageGrid.byte(value, lower: lower, scale: scale)
                            }
                            target += channels
                        }
                    }
                }
            }
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Maps `value` linearly so that `lower` is 0 and `lower + 255 / scale` is 255, rounding and
    /// clamping; NaN becomes 0.
    private static func byte(_ value: Float, lower: Float, scale: Float) -> UInt8 {
        let mapped = ((value - lower) * scale).rounded()
        if mapped.isNaN || mapped <= 0 { return 0 }
        if mapped >= 255 { return 255 }
        return UInt8(mapped)
    }

    private static func checkBatch(_ batch: Tensor, _ name: String) {
        precondition(
            batch.rank == 4 && (batch.shape[1] == 1 || batch.shape[1] == 3),
            "ImageGrid needs \(name) of shape [N, C, H, W] with C = 1 or 3, got \(batch.shape).")
    }
}
