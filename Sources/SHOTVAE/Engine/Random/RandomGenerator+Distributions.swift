#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension RandomGenerator {
    /// A uniform `Float` in `[0, 1)`, with 24 random bits.
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// A uniform `Double` in `[0, 1)`, with 53 random bits.
    public mutating func nextUniformDouble() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform integer in `0..<upperBound`, without modulo bias (Lemire's method).
    ///
    /// - Parameter upperBound: A positive bound.
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "nextInt(below:) needs a positive bound, got \(upperBound).")
        let bound = UInt64(upperBound)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return Int(product.high)
    }

    /// A standard normal sample (Box-Muller transform).
    public mutating func nextNormal() -> Float {
        Float(nextNormalDouble())
    }

    /// A standard normal sample in double precision.
    mutating func nextNormalDouble() -> Double {
        let u1 = 1 - nextUniformDouble()  // in (0, 1], so the log is finite
        let u2 = nextUniformDouble()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A Gamma(`shape`, 1) sample (Marsaglia and Tsang, "A simple method for generating
    /// gamma variables", 2000); for `shape < 1` it uses `Gamma(shape + 1) * U^(1/shape)`.
    ///
    /// - Parameter shape: The shape parameter, positive.
    public mutating func nextGamma(shape: Double) -> Double {
        precondition(shape > 0, "The gamma shape must be positive, got \(shape).")
        if shape < 1 {
            let boost = pow(1 - nextUniformDouble(), 1 / shape)
            return nextGamma(shape: shape + 1) * boost
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        while true {
            var x: Double
            var v: Double
            repeat {
                x = nextNormalDouble()
                v = 1 + c * x
            } while v <= 0
            v = v * v * v
            let u = 1 - nextUniformDouble()
            if u < 1 - 0.0331 * x * x * x * x { return d * v }
            if log(u) < 0.5 * x * x + d * (1 - v + log(v)) { return d * v }
        }
    }

    /// A Beta(`alpha`, `beta`) sample, as `X / (X + Y)` with `X ~ Gamma(alpha)` and
    /// `Y ~ Gamma(beta)`. SHOT-VAE draws its mixup coefficient from Beta(0.1, 0.1) on labeled
    /// data and Beta(2, 2) on unlabeled data (Method.md sections 3 and 4).
    ///
    /// - Parameters:
    ///   - alpha: The first shape parameter, positive.
    ///   - beta: The second shape parameter, positive.
    public mutating func nextBeta(_ alpha: Double, _ beta: Double) -> Float {
        let x = nextGamma(shape: alpha)
        let y = nextGamma(shape: beta)
        let sum = x + y
        // Both gammas can underflow to zero for tiny shapes; the limit is a fair coin.
        if sum == 0 { return nextUniform() < Float(alpha / (alpha + beta)) ? 1 : 0 }
        return Float(x / sum)
    }

    /// A standard Gumbel sample, `-log(-log(u + 1e-12) + 1e-12)` with `u ~ U(0, 1)`: the
    /// noise of the Gumbel-softmax relaxation (Method.md section 1), with the paper's guards.
    public mutating func nextGumbel() -> Float {
        let u = nextUniform()
        return -logf(-logf(u + 1e-12) + 1e-12)
    }

    /// `true` with probability `probability`.
    public mutating func nextBernoulli(_ probability: Float) -> Bool {
        nextUniform() < probability
    }

    /// A uniformly random ordering of `0..<count` (Fisher-Yates).
    public mutating func permutation(_ count: Int) -> [Int] {
        var order = Array(0..<count)
        shuffle(&order)
        return order
    }

    /// Shuffles `elements` in place, uniformly (Fisher-Yates).
    public mutating func shuffle<Element>(_ elements: inout [Element]) {
        guard elements.count > 1 else { return }
        for i in stride(from: elements.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { elements.swapAt(i, j) }
        }
    }
}

extension Tensor {
    /// A tensor of independent uniform samples from `range`.
    ///
    /// - Parameters:
    ///   - shape: The shape of the result.
    ///   - range: The interval to draw from, lower bound included.
    ///   - generator: The source of randomness.
    public init(uniform shape: [Int], in range: ClosedRange<Float> = 0...1,
                generator: inout RandomGenerator) {
        self.init(uninitializedShape: shape)
        let width = range.upperBound - range.lowerBound
        let p = storage.pointer
        for i in 0..<count { p[i] = range.lowerBound + width * generator.nextUniform() }
    }

    /// A tensor of independent normal samples.
    ///
    /// - Parameters:
    ///   - shape: The shape of the result.
    ///   - mean: The mean of every element.
    ///   - standardDeviation: The standard deviation of every element.
    ///   - generator: The source of randomness.
    public init(normal shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
                generator: inout RandomGenerator) {
        self.init(uninitializedShape: shape)
        let p = storage.pointer
        // Box-Muller gives two independent samples per pair of uniforms.
        var i = 0
        while i < count {
            let u1 = 1 - generator.nextUniformDouble()
            let u2 = generator.nextUniformDouble()
            let radius = (-2 * log(u1)).squareRoot()
            p[i] = mean + standardDeviation * Float(radius * cos(2 * Double.pi * u2))
            if i + 1 < count {
                p[i + 1] = mean + standardDeviation * Float(radius * sin(2 * Double.pi * u2))
            }
            i += 2
        }
    }

    /// A tensor of independent standard Gumbel samples (see
    /// ``RandomGenerator/nextGumbel()``).
    public init(gumbel shape: [Int], generator: inout RandomGenerator) {
        self.init(uninitializedShape: shape)
        let p = storage.pointer
        for i in 0..<count { p[i] = generator.nextGumbel() }
    }

    /// A tensor of independent Bernoulli samples: 1 with probability `probability`, else 0.
    public init(bernoulli shape: [Int], probability: Float, generator: inout RandomGenerator) {
        self.init(uninitializedShape: shape)
        let p = storage.pointer
        for i in 0..<count { p[i] = generator.nextBernoulli(probability) ? 1 : 0 }
    }
}
