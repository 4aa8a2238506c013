import CGSL

/// An error reported by a GSL routine, with GSL's own description.
public struct GSLError: Error, CustomStringConvertible {
    public let code: Int32
    public let context: String

    public init(code: Int32, context: String) {
        self.code = code
        self.context = context
    }

    public var description: String {
        "\(context): GSL error \(code) (\(String(cString: gsl_strerror(code))))"
    }
}

/// GSL's default error handler calls abort(). SpineSim checks every status
/// code itself, so the handler is switched off once, before the first GSL
/// object is made.
enum GSLRuntime {
    static let errorHandlerOff: Void = {
        _ = gsl_set_error_handler_off()
    }()

    static func prepare() { _ = errorHandlerOff }
}

/// The linked GSL version, e.g. "2.7.1".
public var gslVersion: String { String(cString: cgsl_version()) }
