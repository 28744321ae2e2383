import CSHOTVAEImages
import Foundation

/// One PNG or JPEG file decoded to a `[channels, height, width]` image with values in [0, 1],
/// for ``ImageFolder``.
///
/// The format is read from the file's first bytes (the PNG signature, JPEG's start-of-image
/// marker), not from its name. PNG: any bit depth (16-bit samples scaled to 8 bits), grey, grey
/// and alpha, RGB, RGBA and palette images, interlaced or not (libpng 1.6). JPEG: baseline and
/// progressive, grey or colour (libjpeg-turbo). The channels are then made the model's: grey to
/// RGB by repeating it, RGB to grey by ITU-R BT.601 luma (`0.299 R + 0.587 G + 0.114 B`, as
/// PIL's `convert("L")`), and alpha dropped (as torchvision's loader, `convert("RGB")`, does).
struct ImageFile {
    /// The image's side lengths and samples, `[channels, height, width]` in [0, 1].
    var height: Int
    var width: Int
    var channels: Int
    var values: [Float]

    /// How ``resized(height:width:)`` computes each output pixel.
    static let resizeFilter = "bilinear interpolation of the four nearest pixels, pixel centres aligned (no antialiasing)"

    /// Decodes `url` with `channels` channels (1 or 3).
    ///
    /// - Throws: ``SHOTVAEError`` naming the file: unreadable, neither PNG nor JPEG, truncated
    ///   or corrupt.
    init(contentsOf url: URL, channels: Int) throws {
        precondition(channels == 1 || channels == 3, "Images are decoded to 1 or 3 channels, not \(channels).")
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw SHOTVAEError(.fileSystem, path: url.path, "cannot read the image (\(error.localizedDescription))")
        }
        var image = shotvae_image()
        let status: Int32 = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard let base = bytes.baseAddress, bytes.count >= 3 else { return -1 }
            if bytes.count >= 8, Array(bytes.prefix(4)) == [0x89, 0x50, 0x4E, 0x47] {
                return shotvae_decode_png(base, bytes.count, &image)
            }
            if bytes[0] == 0xFF, bytes[1] == 0xD8 { return shotvae_decode_jpeg(base, bytes.count, &image) }
            return -1
        }
        defer { shotvae_image_free(&image) }
        guard status == 0, let pixels = image.pixels else {
            let message = status == -1
                ? "neither a PNG nor a JPEG file"
                : withUnsafeBytes(of: image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw SHOTVAEError(.invalidFile, path: url.path, "cannot decode the image: \(message)")
        }
        let (h, w, c) = (Int(image.height), Int(image.width), Int(image.channels))
        guard h > 0, w > 0, (1...4).contains(c) else {
            throw SHOTVAEError(.invalidFile, path: url.path, "cannot decode the image: \(w)x\(h) pixels of \(c) channels")
        }
        height = h
        width = w
        self.channels = channels
        values = [Float](repeating: 0, count: channels * h * w)
        let colour = c >= 3
        for p in 0..<(h * w) {
            let sample = { (k: Int) in Float(pixels[p * c + k]) / 255 }
            if channels == 3 {
                for k in 0..<3 { values[k * h * w + p] = sample(colour ? k : 0) }
            } else {
                values[p] = colour ? (0.299 * sample(0) + 0.587 * sample(1) + 0.114 * sample(2)) : sample(0)
            }
        }
    }

    /// The image resized to `height x width` by ``resizeFilter``: output pixel `(y, x)` samples
    /// the source at `((y + ½) · H / height - ½, (x + ½) · W / width - ½)`, clamped to the image.
    func resized(height newHeight: Int, width newWidth: Int) -> ImageFile {
        guard newHeight != height || newWidth != width else { return self }
        var result = ImageFile(height: newHeight, width: newWidth, channels: channels,
                               values: [Float](repeating: 0, count: channels * newHeight * newWidth))
        func taps(_ index: Int, _ new: Int, _ old: Int) -> (Int, Int, Float) {
            let position = min(max((Float(index) + 0.5) * Float(old) / Float(new) - 0.5, 0), Float(old - 1))
            let low = Int(position)
            return (low, min(low + 1, old - 1), position - Float(low))
        }
        for c in 0..<channels {
            let source = c * height * width, destination = c * newHeight * newWidth
            for y in 0..<newHeight {
                let (y0, y1, fy) = taps(y, newHeight, height)
                for x in 0..<newWidth {
                    let (x0, x1, fx) = taps(x, newWidth, width)
                    let top = values[source + y0 * width + x0] * (1 - fx) + values[source + y0 * width + x1] * fx
                    let bottom = values[source + y1 * width + x0] * (1 - fx) + values[source + y1 * width + x1] * fx
                    result.values[destination + y * newWidth + x] = top * (1 - fy) + bottom * fy
                }
            }
        }
        return result
    }

    private init(height: Int, width: Int, channels: Int, values: [Float]) {
        (self.height, self.width, self.channels, self.values) = (height, width, channels, values)
    }
}
