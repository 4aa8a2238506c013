import CGSL

/// A symmetric positive-definite tridiagonal matrix, factorised once by
/// GSL's banded Cholesky decomposition (`gsl_linalg_cholesky_band_decomp`),
/// A = L Lᵀ with L lower bidiagonal. Every solve is then a forward and a back
/// sweep through L, allocating nothing.
///
/// `solveInPlace` does the sweeps with L's reciprocal pivots stored at
/// factorisation, so no division sits on the row-to-row dependency chain:
/// about 2 ns per row here, against 16 ns for GSL's generic banded triangular
/// solve (`gsl_linalg_cholesky_band_svx` through `cblas_dtbsv`; 19 ns with
/// OpenBLAS) — the difference between meeting the diffusion engine's speed
/// goal or not. `solveInPlaceWithGSL` is GSL's own solve, kept as the
/// reference the tests hold the sweeps to.
public final class SymmetricTridiagonalFactor {
    public let size: Int
    /// N × 2 banded storage: column 0 the diagonal, column 1 the sub-diagonal
    /// (A(i+1, i)); replaced by the factor L.
    private let factor: UnsafeMutablePointer<gsl_matrix>
    /// 1/L(i, i); L(i, i−1)/L(i, i) (forward sweep); L(i+1, i)/L(i, i) (back sweep).
    private let inversePivot: UnsafeMutableBufferPointer<Double>
    private let forwardCoupling: UnsafeMutableBufferPointer<Double>
    private let backCoupling: UnsafeMutableBufferPointer<Double>

    /// - Parameters:
    ///   - diagonal: A(i, i), count N.
    ///   - subdiagonal: A(i+1, i), count N − 1.
    public init(diagonal: [Double], subdiagonal: [Double]) throws {
        precondition(!diagonal.isEmpty && subdiagonal.count == diagonal.count - 1)
        GSLRuntime.prepare()
        size = diagonal.count
        guard let matrix = gsl_matrix_calloc(size, 2) else { fatalError("gsl_matrix_calloc failed") }
        factor = matrix
        for i in 0..<size { gsl_matrix_set(matrix, i, 0, diagonal[i]) }
        for i in 0..<(size - 1) { gsl_matrix_set(matrix, i, 1, subdiagonal[i]) }
        let status = gsl_linalg_cholesky_band_decomp(matrix)
        inversePivot = .allocate(capacity: size)
        forwardCoupling = .allocate(capacity: size)
        backCoupling = .allocate(capacity: size)
        guard status == GSL_SUCCESS else {
            // Every stored property is set, so deinit frees them.
            throw GSLError(code: status, context: "gsl_linalg_cholesky_band_decomp of a \(size) × \(size) tridiagonal matrix (not positive definite?)")
        }
        for i in 0..<size {
            let pivot = gsl_matrix_get(matrix, i, 0)
            inversePivot[i] = 1 / pivot
            forwardCoupling[i] = i > 0 ? gsl_matrix_get(matrix, i - 1, 1) / pivot : 0
            backCoupling[i] = i + 1 < size ? gsl_matrix_get(matrix, i, 1) / pivot : 0
        }
    }

    deinit {
        gsl_matrix_free(factor)
        inversePivot.deallocate(); forwardCoupling.deallocate(); backCoupling.deallocate()
    }

    /// Solves A x = b in place: `values` holds b on entry and x on return.
    /// Forward L y = b, then back Lᵀ x = y, with the stored factor; each row
    /// costs one multiply and one subtract on the dependency chain.
    public func solveInPlace(_ values: UnsafeMutablePointer<Double>) {
        let inverse = inversePivot.baseAddress!, forward = forwardCoupling.baseAddress!, back = backCoupling.baseAddress!
        var previous = values[0] * inverse[0]
        values[0] = previous
        for i in 1..<size {
            previous = values[i] * inverse[i] - forward[i] * previous
            values[i] = previous
        }
        var next = values[size - 1] * inverse[size - 1]
        values[size - 1] = next
        var i = size - 2
        while i >= 0 {
            next = values[i] * inverse[i] - back[i] * next
            values[i] = next
            i -= 1
        }
    }

    /// Solves two independent systems, `first` x = b and `second` y = c, in
    /// place, their sweeps interleaved row by row. Each system's rows are
    /// computed exactly as `solveInPlace` computes them (the same bits); the
    /// two dependency chains overlap, so the pair costs little more than one.
    public static func solveInPlace(_ first: SymmetricTridiagonalFactor, _ x: UnsafeMutablePointer<Double>,
                                    together second: SymmetricTridiagonalFactor, _ y: UnsafeMutablePointer<Double>) {
        // The longer system is `a`; rows beyond the shorter one's run alone.
        let (a, u, b, v) = first.size >= second.size ? (first, x, second, y) : (second, y, first, x)
        let m = b.size, n = a.size
        let aInverse = a.inversePivot.baseAddress!, aForward = a.forwardCoupling.baseAddress!, aBack = a.backCoupling.baseAddress!
        let bInverse = b.inversePivot.baseAddress!, bForward = b.forwardCoupling.baseAddress!, bBack = b.backCoupling.baseAddress!
        var p = u[0] * aInverse[0], q = v[0] * bInverse[0]
        u[0] = p
        v[0] = q
        for i in 1..<m {
            p = u[i] * aInverse[i] - aForward[i] * p
            u[i] = p
            q = v[i] * bInverse[i] - bForward[i] * q
            v[i] = q
        }
        for i in m..<n {
            p = u[i] * aInverse[i] - aForward[i] * p
            u[i] = p
        }
        // Back sweeps: `a` alone down to row m − 1, then both.
        p = u[n - 1] * aInverse[n - 1]
        u[n - 1] = p
        var i = n - 2
        while i >= m - 1 {
            p = u[i] * aInverse[i] - aBack[i] * p
            u[i] = p
            i -= 1
        }
        q = v[m - 1] * bInverse[m - 1]
        v[m - 1] = q
        while i >= 0 {
            p = u[i] * aInverse[i] - aBack[i] * p
            u[i] = p
            q = v[i] * bInverse[i] - bBack[i] * q
            v[i] = q
            i -= 1
        }
    }

    /// The same solve by GSL (`gsl_linalg_cholesky_band_svx`).
    public func solveInPlaceWithGSL(_ values: UnsafeMutablePointer<Double>) {
        var view = gsl_vector_view_array(values, size)
        _ = gsl_linalg_cholesky_band_svx(factor, &view.vector)
    }
}
