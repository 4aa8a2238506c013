import SpineModel

/// A value the timeline sends between ranks every step, written field by
/// field as raw bytes (every Double's bits kept; no Codable machinery in
/// the per-step path).
protocol WireValue {
    func write(to wire: inout WireWriter)
    init(from wire: inout WireReader) throws
}

struct WireWriter {
    var bytes: [UInt8] = []

    mutating func put<Value: BitwiseCopyable>(_ value: Value) {
        withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) }
    }

    mutating func put<Value: BitwiseCopyable>(_ values: [Value]) {
        put(values.count)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
    }
}

struct WireReader {
    let bytes: [UInt8]
    var cursor = 0

    mutating func take<Value: BitwiseCopyable>(_: Value.Type = Value.self) throws -> Value {
        let size = MemoryLayout<Value>.size
        guard cursor + size <= bytes.count else { throw RunError("a message between MPI ranks is truncated") }
        defer { cursor += size }
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: cursor, as: Value.self) }
    }

    mutating func takeArray<Value: BitwiseCopyable>(_: Value.Type = Value.self) throws -> [Value] {
        let count: Int = try take()
        let stride = MemoryLayout<Value>.stride
        guard count >= 0, count <= (bytes.count - cursor) / max(1, stride) else {
            throw RunError("a message between MPI ranks is truncated")
        }
        defer { cursor += count * stride }
        return bytes.withUnsafeBytes { raw in
            (0..<count).map { raw.loadUnaligned(fromByteOffset: cursor + $0 * stride, as: Value.self) }
        }
    }
}

extension Array where Element: WireValue {
    func wireBytes() -> [UInt8] {
        var wire = WireWriter()
        wire.put(count)
        for element in self { element.write(to: &wire) }
        return wire.bytes
    }

    init(wireBytes bytes: [UInt8]) throws {
        var wire = WireReader(bytes: bytes)
        let count: Int = try wire.take()
        self = try (0..<count).map { _ in try Element(from: &wire) }
    }
}

extension DendriteStepReport: WireValue {
    func write(to wire: inout WireWriter) {
        wire.put(events.count)
        for event in events {
            wire.put(event.isBirth)
            wire.put(event.day)
            wire.put(event.serial)
            wire.put(event.positionUm)
            wire.put(event.cause.rawValue)
            wire.put(event.logVolume)
        }
        wire.put(fluctuations.count)
        wire.put(fluctuations.sumAbsoluteChange)
        wire.put(fluctuations.sumRelativeChange)
        wire.put(lostSinceLastDay)
        wire.put(gainedAtDay)
    }

    init(from wire: inout WireReader) throws {
        let count: Int = try wire.take()
        guard count >= 0 else { throw RunError("a message between MPI ranks is damaged") }
        var events: [TurnoverEvent] = []
        for _ in 0..<count {
            let isBirth: Bool = try wire.take(), day: Double = try wire.take(), serial: UInt32 = try wire.take()
            let position: Double = try wire.take(), cause: UInt8 = try wire.take(), logVolume: Double = try wire.take()
            guard let cause = TurnoverCause(rawValue: cause) else { throw RunError("a message between MPI ranks is damaged") }
            events.append(TurnoverEvent(isBirth: isBirth, day: day, serial: serial, positionUm: position, cause: cause, logVolume: logVolume))
        }
        var fluctuations = FluctuationAccumulator(bins: 0)
        fluctuations.count = try wire.takeArray()
        fluctuations.sumAbsoluteChange = try wire.takeArray()
        fluctuations.sumRelativeChange = try wire.takeArray()
        self.init(events: events, fluctuations: fluctuations, lostSinceLastDay: try wire.take(), gainedAtDay: try wire.take())
    }
}

extension SessionOutcome: WireValue {
    func write(to wire: inout WireWriter) {
        wire.put(sources)
        wire.put(observations != nil)
        if let observations { wire.put(observations) }
        wire.put(events != nil)
        if let events {
            wire.put(events.count)
            for spine in events { wire.put(spine) }
        }
    }

    init(from wire: inout WireReader) throws {
        sources = try wire.takeArray()
        observations = try wire.take(Bool.self) ? try wire.takeArray() : nil
        if try wire.take(Bool.self) {
            let count: Int = try wire.take()
            events = try (0..<max(0, count)).map { _ in try wire.takeArray(Double.self) }
        } else {
            events = nil
        }
    }
}
