import Foundation

/// Where a spine came from (the `cohort` column of the storage).
public enum SpineOrigin: UInt8, Sendable, CaseIterable {
    /// Present when the run started.
    case initial = 0
    /// Baseline spinogenesis.
    case baseline = 1
    /// Activity-guided spinogenesis.
    case activityGuided = 2

    public var name: String {
        switch self {
        case .initial: "initial"
        case .baseline: "baseline-spinogenesis"
        case .activityGuided: "activity-guided-spinogenesis"
        }
    }
}

/// Bits of `SpineTable.flags`.
public enum SpineFlag {
    /// New spine still on probation (not yet stabilised, docs/MODEL.md §4).
    public static let probation: UInt8 = 1 << 0
    /// Stable spine (docs/MODEL.md §3, `SpineStability`); volatile without it.
    public static let stable: UInt8 = 1 << 1
}

/// The spines of one dendrite, as structure-of-arrays in contiguous buffers.
///
/// The alive spines occupy slots 0..<count: a spine that dies is replaced by
/// the last one (its slot is reused), so loops run over dense memory and need
/// no alive test. A spine's identity is its `serial` (unique within the
/// dendrite, never reused), so identities in every output stay stable while
/// slots change.
public struct SpineTable {
    public private(set) var count = 0
    public private(set) var capacity = 0

    /// x (µm from the dendrite's start).
    public private(set) var position: UnsafeMutablePointer<Double>
    /// e, the efficacy as expressed in the spine's structure: it follows ρ
    /// with the structural expression time (docs/MODEL.md §3; equal to ρ's value
    /// when structure expresses ρ through the OU relaxation itself).
    public private(set) var expressedEfficacy: UnsafeMutablePointer<Double>
    /// Efficacy ρ.
    public private(set) var efficacy: UnsafeMutablePointer<Double>
    /// Functional weight w (units of the depressed weight).
    public private(set) var weight: UnsafeMutablePointer<Double>
    /// s = ln v (v in µm³).
    public private(set) var logVolume: UnsafeMutablePointer<Double>
    /// ln of the spine's baseline volume (for "enlarged": v/v_baseline).
    public private(set) var baselineLogVolume: UnsafeMutablePointer<Double>
    /// s at the last whole day (NaN if the spine was not alive then).
    public private(set) var previousDayLogVolume: UnsafeMutablePointer<Double>
    /// Day of birth (negative or 0 for the initial population).
    public private(set) var birthDay: UnsafeMutablePointer<Double>
    /// Identity within the dendrite.
    public private(set) var serial: UnsafeMutablePointer<UInt32>
    /// `SpineOrigin` raw value.
    public private(set) var origin: UnsafeMutablePointer<UInt8>
    /// `SpineFlag` bits.
    public private(set) var flags: UnsafeMutablePointer<UInt8>
    /// Bit k set: the spine belongs to survival cohort k.
    public private(set) var cohorts: UnsafeMutablePointer<UInt8>
    /// Bit k set: the spine's axon belongs to task ensemble k (docs/MODEL.md §4).
    public private(set) var ensembles: UnsafeMutablePointer<UInt8>

    /// Bytes per slot over all columns.
    public static let bytesPerSlot = 8 * MemoryLayout<Double>.stride + MemoryLayout<UInt32>.stride + 4 * MemoryLayout<UInt8>.stride

    public init(capacity: Int) {
        let c = max(capacity, 4)
        position = .allocate(capacity: c); expressedEfficacy = .allocate(capacity: c); efficacy = .allocate(capacity: c)
        weight = .allocate(capacity: c); logVolume = .allocate(capacity: c); baselineLogVolume = .allocate(capacity: c)
        previousDayLogVolume = .allocate(capacity: c); birthDay = .allocate(capacity: c)
        serial = .allocate(capacity: c); origin = .allocate(capacity: c); flags = .allocate(capacity: c)
        cohorts = .allocate(capacity: c); ensembles = .allocate(capacity: c)
        self.capacity = c
    }

    /// Frees the buffers (the table is owned by one `Dendrite`).
    public func deallocate() {
        position.deallocate(); expressedEfficacy.deallocate(); efficacy.deallocate(); weight.deallocate()
        logVolume.deallocate(); baselineLogVolume.deallocate(); previousDayLogVolume.deallocate()
        birthDay.deallocate(); serial.deallocate(); origin.deallocate(); flags.deallocate(); cohorts.deallocate()
        ensembles.deallocate()
    }

    public var allocatedBytes: Int { capacity * SpineTable.bytesPerSlot }

    /// A new spine in slot `count`; grows the buffers by half when full.
    public mutating func append(position x: Double, logVolume s: Double, efficacy rho: Double, weight w: Double,
                                birthDay day: Double, serial id: UInt32, origin: SpineOrigin, flags f: UInt8 = 0,
                                ensembles mask: UInt8 = 0) {
        if count == capacity { grow(to: capacity + capacity / 2 + 4) }
        let i = count
        position[i] = x; expressedEfficacy[i] = rho; efficacy[i] = rho; weight[i] = w
        logVolume[i] = s; baselineLogVolume[i] = s; previousDayLogVolume[i] = .nan
        birthDay[i] = day; serial[i] = id; self.origin[i] = origin.rawValue; flags[i] = f; cohorts[i] = 0
        ensembles[i] = mask
        count += 1
    }

    /// Removes slot i by moving the last spine into it.
    public mutating func remove(at i: Int) {
        let last = count - 1
        if i != last {
            position[i] = position[last]; expressedEfficacy[i] = expressedEfficacy[last]; efficacy[i] = efficacy[last]
            weight[i] = weight[last]; logVolume[i] = logVolume[last]; baselineLogVolume[i] = baselineLogVolume[last]
            previousDayLogVolume[i] = previousDayLogVolume[last]; birthDay[i] = birthDay[last]
            serial[i] = serial[last]; origin[i] = origin[last]; flags[i] = flags[last]; cohorts[i] = cohorts[last]
            ensembles[i] = ensembles[last]
        }
        count = last
    }

    private mutating func grow(to newCapacity: Int) {
        func moved<T>(_ old: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
            let new = UnsafeMutablePointer<T>.allocate(capacity: newCapacity)
            new.moveInitialize(from: old, count: count)
            old.deallocate()
            return new
        }
        position = moved(position); expressedEfficacy = moved(expressedEfficacy); efficacy = moved(efficacy); weight = moved(weight)
        logVolume = moved(logVolume); baselineLogVolume = moved(baselineLogVolume)
        previousDayLogVolume = moved(previousDayLogVolume); birthDay = moved(birthDay)
        serial = moved(serial); origin = moved(origin); flags = moved(flags); cohorts = moved(cohorts)
        ensembles = moved(ensembles)
        capacity = newCapacity
    }

    // MARK: checkpoint encoding

    /// The alive spines' columns as raw bytes (checkpoints).
    public func encoded() -> Data {
        var data = Data()
        func put<T>(_ column: UnsafeMutablePointer<T>) {
            data.append(UnsafeBufferPointer(start: column, count: count))
        }
        put(position); put(expressedEfficacy); put(efficacy); put(weight); put(logVolume); put(baselineLogVolume)
        put(previousDayLogVolume); put(birthDay); put(serial); put(origin); put(flags); put(cohorts); put(ensembles)
        return data
    }

    /// Rebuilds a table of `count` spines from `encoded()` bytes.
    public static func decoded(_ data: Data, count: Int) throws -> SpineTable {
        guard data.count == count * bytesPerSlot else {
            throw RunError("checkpoint spine table holds \(data.count) bytes, expected \(count * bytesPerSlot) for \(count) spines")
        }
        var table = SpineTable(capacity: count + count / 2 + 4)
        var offset = 0
        data.withUnsafeBytes { raw in
            func get<T>(_ column: UnsafeMutablePointer<T>) {
                let bytes = count * MemoryLayout<T>.stride
                UnsafeMutableRawPointer(column).copyMemory(from: raw.baseAddress! + offset, byteCount: bytes)
                offset += bytes
            }
            get(table.position); get(table.expressedEfficacy); get(table.efficacy); get(table.weight); get(table.logVolume)
            get(table.baselineLogVolume); get(table.previousDayLogVolume); get(table.birthDay); get(table.serial)
            get(table.origin); get(table.flags); get(table.cohorts); get(table.ensembles)
        }
        table.count = count
        return table
    }
}
