#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The engine's compute kernels. They work on raw pointers, never allocate, and assume the
/// caller checked shapes; the differentiable ops in `Autodiff/` are their only users.
enum Kernels {}

/// The vector type of the elementwise loops: eight lanes, one AVX register.
typealias Vector = SIMD8<Float>

extension UnsafePointer where Pointee == Float {
    /// Loads eight consecutive elements starting at `offset`.
    @inline(__always)
    func vector(at offset: Int) -> Vector {
        UnsafeRawPointer(self + offset).loadUnaligned(as: Vector.self)
    }
}

extension UnsafeMutablePointer where Pointee == Float {
    /// Loads eight consecutive elements starting at `offset`.
    @inline(__always)
    func vector(at offset: Int) -> Vector {
        UnsafeRawPointer(self + offset).loadUnaligned(as: Vector.self)
    }

    /// Stores eight consecutive elements starting at `offset`.
    @inline(__always)
    func store(_ value: Vector, at offset: Int) {
        UnsafeMutableRawPointer(self + offset).storeBytes(of: value, as: Vector.self)
    }
}

extension Kernels {
    /// `output[i] = vector(input[i])`, eight lanes at a time, then `scalar` for the tail.
    @inline(__always)
    static func map(
        _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int,
        vector: (Vector) -> Vector, scalar: (Float) -> Float
    ) {
        var i = 0
        while i + 8 <= count {
            output.store(vector(input.vector(at: i)), at: i)
            i += 8
        }
        while i < count {
            output[i] = scalar(input[i])
            i += 1
        }
    }

    /// `output[i] = vector(a[i], b[i])`, eight lanes at a time, then `scalar` for the tail.
    @inline(__always)
    static func zip(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
        count: Int, vector: (Vector, Vector) -> Vector, scalar: (Float, Float) -> Float
    ) {
        var i = 0
        while i + 8 <= count {
            output.store(vector(a.vector(at: i), b.vector(at: i)), at: i)
            i += 8
        }
        while i < count {
            output[i] = scalar(a[i], b[i])
            i += 1
        }
    }

    /// `output[i] = vector(a[i], b[i], c[i])` for three same-length inputs.
    @inline(__always)
    static func zip3(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafePointer<Float>,
        _ output: UnsafeMutablePointer<Float>, count: Int,
        vector: (Vector, Vector, Vector) -> Vector, scalar: (Float, Float, Float) -> Float
    ) {
        var i = 0
        while i + 8 <= count {
            output.store(vector(a.vector(at: i), b.vector(at: i), c.vector(at: i)), at: i)
            i += 8
        }
        while i < count {
            output[i] = scalar(a[i], b[i], c[i])
            i += 1
        }
    }

    /// Applies a scalar function lane by lane; for functions without a SIMD form (exp, log).
    @inline(__always)
    static func lanes(_ v: Vector, _ f: (Float) -> Float) -> Vector {
        Vector(f(v[0]), f(v[1]), f(v[2]), f(v[3]), f(v[4]), f(v[5]), f(v[6]), f(v[7]))
    }

    // MARK: - Accumulation

    /// `y[i] += alpha * x[i]`.
    static func axpy(
        _ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int
    ) {
        zip(x, UnsafePointer(y), y, count: count,
            vector: { x, y in y + alpha * x }, scalar: { x, y in y + alpha * x })
    }

    /// `y[i] += x[i]`.
    static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        zip(x, UnsafePointer(y), y, count: count, vector: { $0 + $1 }, scalar: { $0 + $1 })
    }

    /// `x[i] *= alpha`.
    static func scale(_ x: UnsafeMutablePointer<Float>, by alpha: Float, count: Int) {
        map(UnsafePointer(x), x, count: count, vector: { $0 * alpha }, scalar: { $0 * alpha })
    }

    /// `output[i] = value`; short runs (the rows of small feature maps) without a call.
    @inline(__always)
    static func fill(_ output: UnsafeMutablePointer<Float>, with value: Float, count: Int) {
        if count < 128 {
            let v = Vector(repeating: value)
            var i = 0
            while i + 8 <= count {
                output.store(v, at: i)
                i += 8
            }
            if i + 4 <= count {
                UnsafeMutableRawPointer(output + i).storeBytes(of: SIMD4(repeating: value), as: SIMD4<Float>.self)
                i += 4
            }
            while i < count {
                output[i] = value
                i += 1
            }
            return
        }
        if value == 0 {
            memset(output, 0, count * MemoryLayout<Float>.stride)
        } else {
            output.update(repeating: value, count: count)
        }
    }

    // MARK: - Numerically careful scalar functions

    /// The logistic sigmoid, `1 / (1 + exp(-x))`, without overflow for large `|x|`.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        if x >= 0 {
            return 1 / (1 + expf(-x))
        }
        let e = expf(x)
        return e / (1 + e)
    }

    /// `log(1 + exp(x))`, exact for large `x` and accurate for very negative `x`.
    @inline(__always)
    static func softplus(_ x: Float) -> Float {
        max(x, 0) + log1pf(expf(-abs(x)))
    }

    /// `output[i] = reference[i] > 0 ? gradient[i] : 0`: a rectifier's gradient, its sign read
    /// from its input or its output.
    static func rectifierGradient(
        _ gradient: UnsafePointer<Float>, _ reference: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
        count: Int
    ) {
        zip(gradient, reference, output, count: count, vector: { g, r in g.replacing(with: 0, where: r .<= 0) },
            scalar: { g, r in r > 0 ? g : 0 })
    }
}
