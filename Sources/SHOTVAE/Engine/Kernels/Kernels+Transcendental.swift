// Transcendental functions eight lanes at a time, for the elementwise passes over whole
// activations (a decoder's tanh output and its gradient), where calling the C library once per
// lane costs more than the rest of the pass. Each stays within a few units in the last place of
// the C library's single-precision result (TranscendentalTests sweeps them).

extension Kernels {
    /// `exp(x)` in every lane: `2ⁿ · exp(r)` with `n = round(x / ln 2)` and `|r| ≤ ln 2 / 2`,
    /// `exp(r)` by a degree-6 polynomial (Cephes' `expf` coefficients). Results below the
    /// smallest normal float come out subnormal, as the C library's do; `x > 88.72` gives `+∞`
    /// and NaN stays NaN.
    @inline(__always)
    static func exponential(_ x: Vector) -> Vector {
        // (Masks rather than pointwiseMin/Max, and no addingProduct: in the portable build they
        // compile to a call per lane.)
        let clamped = x.replacing(with: 88.75, where: x .> 88.75).replacing(with: -104, where: x .< -104)
        // Adding 1.5 · 2²³ rounds x / ln 2 to the nearest integer n and leaves n in the low bits.
        let magic: Float = 12_582_912
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        let k = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- Int32(bitPattern: magic.bitPattern)
        // r = x - n ln 2, with ln 2 split so that n · 0.693359375 is exact.
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = Vector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let expR = (p * (r * r) + r) + 1
        // 2ⁿ as two factors of at most 2⁶⁴ each, so that n down to -150 underflows gradually.
        let half = k &>> 1
        @inline(__always) func power(_ e: SIMD8<Int32>) -> Vector { unsafeBitCast((e &+ 127) &<< 23, to: Vector.self) }
        var result = expR * power(half) * power(k &- half)
        result.replace(with: Vector(repeating: .infinity), where: x .> 88.72)
        result.replace(with: x, where: x .!= x)
        return result
    }

    /// `tanh(x)` in every lane: `x + x³ P(x²)` below |x| = 0.625 (Cephes' `tanhf` coefficients),
    /// `±(1 - 2 / (exp(2|x|) + 1))` above.
    @inline(__always)
    static func hyperbolicTangent(_ x: Vector) -> Vector {
        let signBit = SIMD8<UInt32>(repeating: 0x8000_0000)
        let bits = unsafeBitCast(x, to: SIMD8<UInt32>.self)
        let magnitude = unsafeBitCast(bits & ~signBit, to: Vector.self)
        let large = 1 - 2 / (exponential(2 * magnitude) + 1)
        let signedLarge = unsafeBitCast(unsafeBitCast(large, to: SIMD8<UInt32>.self) | (bits & signBit), to: Vector.self)
        let s = x * x
        var p = Vector(repeating: -5.704_988_727_45e-3)
        p = p * s + 2.063_908_879_54e-2
        p = p * s - 5.373_971_555_31e-2
        p = p * s + 1.333_144_220_36e-1
        p = p * s - 3.333_328_194_22e-1
        let small = x + p * s * x
        return small.replacing(with: signedLarge, where: magnitude .> 0.625)
    }

    /// `sech²(x) = 4t / (1 + t)²` with `t = exp(-2|x|)` in every lane, without overflow: it
    /// stays positive while `t` does, up to |x| ≈ 51.
    @inline(__always)
    static func squaredHyperbolicSecant(_ x: Vector) -> Vector {
        let magnitude = x.replacing(with: -x, where: x .< 0)
        let t = exponential(-2 * magnitude)
        return 4 * t / ((1 + t) * (1 + t))
    }

    /// `output[i] = tanh(input[i])`; the tail too goes through the vector code, one lane at a time.
    static func hyperbolicTangent(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int) {
        map(input, output, count: count, vector: { hyperbolicTangent($0) },
            scalar: { hyperbolicTangent(Vector(repeating: $0))[0] })
    }

    /// `output[i] = gradient[i] · sech²(input[i])`: the gradient of `tanh` at `input`.
    static func hyperbolicTangentGradient(
        _ gradient: UnsafePointer<Float>, _ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, count: Int
    ) {
        zip(gradient, input, output, count: count, vector: { $0 * squaredHyperbolicSecant($1) },
            scalar: { $0 * squaredHyperbolicSecant(Vector(repeating: $1))[0] })
    }
}
