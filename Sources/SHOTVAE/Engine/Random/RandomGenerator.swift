/// A seeded, reproducible source of random numbers (xoshiro256**).
///
/// Every random draw in SHOTVAE (weight initialisation, shuffling, mixup coefficients,
/// permutations, Gaussian noise, Gumbel noise, dropout masks) comes from a generator that
/// the caller passes in, so the same seed gives the same numbers on every run. The state
/// can be read and restored, which is how checkpoints resume a run exactly.
///
/// ```swift
/// var rng = RandomGenerator(seed: 42)
/// let lambda = rng.nextBeta(0.1, 0.1)
/// let order = rng.permutation(128)
/// ```
///
/// The algorithm is xoshiro256** by Blackman and Vigna ("Scrambled linear pseudorandom
/// number generators", 2018), seeded through SplitMix64.
public struct RandomGenerator: RandomNumberGenerator, Sendable {
    /// The complete state of a generator: four 64-bit words, never all zero.
    public struct State: Codable, Equatable, Sendable {
        /// The four words of xoshiro256**'s state.
        public var words: [UInt64]

        /// Creates a state from its four words.
        ///
        /// - Parameter words: Exactly four words, not all zero.
        public init(words: [UInt64]) {
            precondition(words.count == 4, "A generator state has 4 words, got \(words.count).")
            precondition(words.contains { $0 != 0 }, "A generator state cannot be all zero.")
            self.words = words
        }
    }

    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// Creates a generator whose sequence is determined by `seed`.
    ///
    /// - Parameter seed: Any value; different seeds give independent-looking sequences.
    public init(seed: UInt64) {
        var mix = seed
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix()
        s1 = splitMix()
        s2 = splitMix()
        s3 = splitMix()
    }

    /// Creates a generator that continues from a saved state.
    public init(state: State) {
        s0 = state.words[0]
        s1 = state.words[1]
        s2 = state.words[2]
        s3 = state.words[3]
    }

    /// The current state; assigning a saved state makes the generator repeat what followed it.
    public var state: State {
        get { State(words: [s0, s1, s2, s3]) }
        set { self = RandomGenerator(state: newValue) }
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotate(s3, 45)
        return result
    }

    /// A new generator for an independent stream, drawn from this one.
    ///
    /// Use it to give a sub-task (data shuffling, say) its own stream so that changing how
    /// many numbers one part draws does not shift the numbers of the other.
    public mutating func split() -> RandomGenerator {
        RandomGenerator(seed: next())
    }

    @inline(__always)
    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }
}
