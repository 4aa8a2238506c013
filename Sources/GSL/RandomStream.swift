import CGSL

/// One GSL random number generator: owns a `gsl_rng`, seeded explicitly
/// (GSL's default seed is 0 and `gsl_rng_env_setup` reads the environment;
/// SpineSim never relies on either).
///
/// Hot loops do not touch this class: inside `withHandle` they get a
/// `RandomHandle`, a plain value holding the pointer, whose draws are inlined
/// calls into GSL. The handle is only lent for the closure, which keeps the
/// generator alive while it is used (ARC may free an object after its last
/// use, so a handle kept beyond that would dangle).
public final class RandomStream {
    public let type: GeneratorType
    /// The seed this stream was created with.
    public let seed: UInt64
    private let handle: RandomHandle

    public init(type: GeneratorType = .defaultType, seed: UInt64) {
        GSLRuntime.prepare()
        guard let rng = gsl_rng_alloc(type.gslType) else {
            fatalError("gsl_rng_alloc failed for \(type.name): out of memory")
        }
        gsl_rng_set(rng, UInt(seed))
        self.type = type
        self.seed = seed
        handle = RandomHandle(rng: rng)
    }

    /// Stream `index` of `purpose` derived from a run seed.
    public convenience init(type: GeneratorType = .defaultType, seeds: StreamSeeds, purpose: UInt8, index: Int) {
        self.init(type: type, seed: seeds.seed(purpose: purpose, index: index))
    }

    deinit { gsl_rng_free(handle.rng) }

    /// Lends the generator to `body` as a value handle for hot loops.
    @inlinable
    public func withHandle<Result>(_ body: (RandomHandle) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(self) { try body(lentHandle) }
    }

    @usableFromInline var lentHandle: RandomHandle { handle }

    /// The generator's complete internal state, byte for byte
    /// (`gsl_rng_state`, `gsl_rng_size`): restoring it continues the
    /// identical sequence.
    public func savedState() -> GeneratorState {
        let size = gsl_rng_size(handle.rng)
        let bytes = [UInt8](UnsafeRawBufferPointer(start: gsl_rng_state(handle.rng), count: size))
        return GeneratorState(generator: type.name, seed: seed, bytes: bytes)
    }

    /// Restores a state saved from a generator of the same type.
    public func restore(_ state: GeneratorState) throws {
        let size = gsl_rng_size(handle.rng)
        guard state.generator == type.name, state.bytes.count == size else {
            throw GSLError(code: Int32(GSL_EINVAL),
                           context: "restoring a \(state.generator) state of \(state.bytes.count) bytes into a \(type.name) generator of \(size) bytes")
        }
        state.bytes.withUnsafeBytes { source in
            gsl_rng_state(handle.rng).copyMemory(from: source.baseAddress!, byteCount: size)
        }
    }
}

/// A saved generator state (for checkpoints).
public struct GeneratorState: Codable, Sendable, Equatable {
    public let generator: String
    public let seed: UInt64
    public let bytes: [UInt8]
}

/// The generator pointer as a value: what hot loops hold in a register.
/// Every draw is one call into GSL.
public struct RandomHandle: @unchecked Sendable {
    public let rng: UnsafeMutablePointer<gsl_rng>

    /// Uniform on [0, 1).
    @inlinable public func uniform() -> Double { gsl_rng_uniform(rng) }

    /// Uniform on (0, 1).
    @inlinable public func uniformPositive() -> Double { gsl_rng_uniform_pos(rng) }

    /// Standard normal draw, ziggurat method (Marsaglia & Tsang).
    @inlinable public func gaussian() -> Double { gsl_ran_gaussian_ziggurat(rng, 1.0) }

    /// Normal draw with standard deviation `sigma` (ziggurat).
    @inlinable public func gaussian(sigma: Double) -> Double { gsl_ran_gaussian_ziggurat(rng, sigma) }

    /// Exponential draw with the given mean.
    @inlinable public func exponential(mean: Double) -> Double { gsl_ran_exponential(rng, mean) }

    /// Poisson draw with the given mean.
    @inlinable public func poisson(mean: Double) -> Int { Int(gsl_ran_poisson(rng, mean)) }

    /// Uniform integer in 0..<n (n ≥ 1).
    @inlinable public func uniformInt(below n: Int) -> Int { Int(gsl_rng_uniform_int(rng, UInt(n))) }

    /// Fills `buffer` with standard normal draws (one batched pass).
    @inlinable public func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>) {
        for i in buffer.indices { buffer[i] = gsl_ran_gaussian_ziggurat(rng, 1.0) }
    }

    /// Fills `buffer` with uniform draws on [0, 1).
    @inlinable public func fillUniform(_ buffer: UnsafeMutableBufferPointer<Double>) {
        for i in buffer.indices { buffer[i] = gsl_rng_uniform(rng) }
    }
}
