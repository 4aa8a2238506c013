import CGSL

/// Right-hand side dy/dt = f(t, y) in GSL's form: returns GSL_SUCCESS (0).
/// `context` is the pointer given to the driver (parameters of the system).
public typealias ODERightHandSide = @convention(c) (
    Double, UnsafePointer<Double>?, UnsafeMutablePointer<Double>?, UnsafeMutableRawPointer?
) -> Int32

/// The explicit gsl_odeiv2 steppers SpineSim offers.
public enum StepperType: String, CaseIterable, Sendable, Codable {
    case rk2, rk4, rkf45, rkck, rk8pd, msadams

    var gslType: UnsafePointer<gsl_odeiv2_step_type> {
        switch self {
        case .rk2: cgsl_step_rk2()
        case .rk4: cgsl_step_rk4()
        case .rkf45: cgsl_step_rkf45()
        case .rkck: cgsl_step_rkck()
        case .rk8pd: cgsl_step_rk8pd()
        case .msadams: cgsl_step_msadams()
        }
    }
}

/// An adaptive ODE integrator: `gsl_odeiv2_driver` with step-size control
/// (absolute and relative tolerance on y). One driver per thread.
public final class ODEDriver {
    public let dimension: Int
    public let stepper: StepperType
    private let system: UnsafeMutablePointer<gsl_odeiv2_system>
    private let driver: UnsafeMutablePointer<gsl_odeiv2_driver>
    private let initialStep: Double
    /// +1 or −1: the direction of the last integration (GSL needs the first
    /// trial step to point the way it integrates).
    private var direction = 1.0

    /// - Parameters:
    ///   - function: the right-hand side, a C-convention function.
    ///   - context: passed to `function` unchanged; must outlive the driver.
    ///   - initialStep: first trial step, in the units of t.
    public init(dimension: Int, function: ODERightHandSide, context: UnsafeMutableRawPointer?,
                stepper: StepperType = .rkf45, initialStep: Double,
                absoluteTolerance: Double, relativeTolerance: Double) {
        precondition(dimension > 0 && initialStep > 0)
        GSLRuntime.prepare()
        self.dimension = dimension
        self.stepper = stepper
        self.initialStep = initialStep
        system = .allocate(capacity: 1)
        system.initialize(to: gsl_odeiv2_system(function: function, jacobian: nil,
                                                dimension: dimension, params: context))
        guard let made = gsl_odeiv2_driver_alloc_y_new(system, stepper.gslType, initialStep,
                                                       absoluteTolerance, relativeTolerance) else {
            fatalError("gsl_odeiv2_driver_alloc_y_new failed: out of memory")
        }
        driver = made
    }

    deinit {
        gsl_odeiv2_driver_free(driver)
        system.deallocate()
    }

    /// Integrates y (length `dimension`, updated in place) from t0 to t1
    /// (forward or backward in t).
    public func evolve(_ y: UnsafeMutablePointer<Double>, from t0: Double, to t1: Double) throws {
        let way: Double = t1 >= t0 ? 1 : -1
        if way != direction {
            direction = way
            gsl_odeiv2_driver_reset_hstart(driver, way * initialStep)
        }
        var t = t0
        let status = gsl_odeiv2_driver_apply(driver, &t, t1, y)
        if status != GSL_SUCCESS {
            throw GSLError(code: status, context: "gsl_odeiv2_driver_apply (\(stepper.rawValue)) from t=\(t0) to t=\(t1), stopped at t=\(t)")
        }
    }

    /// Forgets the step-size history (call before an unrelated problem).
    public func reset() { gsl_odeiv2_driver_reset(driver) }
}

/// An ODE integrator with a Swift closure as right-hand side, for code off
/// the hot path: the closure is boxed and reached through the context
/// pointer of a C trampoline.
public final class ODESolver {
    public typealias RightHandSide = (_ t: Double, _ y: UnsafePointer<Double>, _ dydt: UnsafeMutablePointer<Double>) -> Void

    private final class Box {
        let rhs: RightHandSide
        init(_ rhs: @escaping RightHandSide) { self.rhs = rhs }
    }

    private let box: Box
    private let driver: ODEDriver
    public var dimension: Int { driver.dimension }

    public init(dimension: Int, stepper: StepperType = .rkf45, initialStep: Double = 1e-3,
                absoluteTolerance: Double = 1e-10, relativeTolerance: Double = 1e-10,
                rhs: @escaping RightHandSide) {
        box = Box(rhs)
        let trampoline: ODERightHandSide = { t, y, dydt, context in
            let box = Unmanaged<Box>.fromOpaque(context!).takeUnretainedValue()
            box.rhs(t, y!, dydt!)
            return Int32(GSL_SUCCESS)
        }
        driver = ODEDriver(dimension: dimension, function: trampoline,
                           context: Unmanaged.passUnretained(box).toOpaque(),
                           stepper: stepper, initialStep: initialStep,
                           absoluteTolerance: absoluteTolerance, relativeTolerance: relativeTolerance)
    }

    /// Integrates `y` from t0 to t1 and returns the new state.
    public func solve(_ y: [Double], from t0: Double, to t1: Double) throws -> [Double] {
        precondition(y.count == dimension)
        var state = y
        try state.withUnsafeMutableBufferPointer { try driver.evolve($0.baseAddress!, from: t0, to: t1) }
        return state
    }
}
