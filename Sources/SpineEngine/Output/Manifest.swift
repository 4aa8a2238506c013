import Foundation

/// `manifest.json`: everything needed to know what a run was and to repeat
/// it bit for bit: seed, resolved configuration, generator, versions, times.
public struct Manifest<Configuration: Encodable>: Encodable {
    public var spinesimVersion = BuildInfo.version
    public var gitRevision = BuildInfo.gitRevision
    public var gslVersion = BuildInfo.gslLibraryVersion
    public var experiment: String
    public var experimentFile: String
    public var command: [String] = CommandLine.arguments
    public var seed: UInt64
    public var generator: String
    public var threads: Int
    public var checkpointEveryDays: Int?
    public var status: String
    public var startedAt: Date
    /// When a run was last resumed; wall_seconds then counts from here.
    public var resumedAt: Date?
    public var finishedAt: Date?
    public var wallSeconds: Double?
    public var outputs: [String]
    /// The configuration after presets, defaults and overrides were applied.
    public var configuration: Configuration

    enum CodingKeys: String, CodingKey {
        case spinesimVersion = "spinesim_version", gitRevision = "git_revision", gslVersion = "gsl_version"
        case experiment, experimentFile = "experiment_file", command, seed, generator, threads
        case checkpointEveryDays = "checkpoint_every_days", status
        case startedAt = "started_at", resumedAt = "resumed_at", finishedAt = "finished_at"
        case wallSeconds = "wall_seconds", outputs, configuration
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let iso = ISO8601DateFormatter()
        try c.encode(spinesimVersion, forKey: .spinesimVersion)
        try c.encode(gitRevision, forKey: .gitRevision)
        try c.encode(gslVersion, forKey: .gslVersion)
        try c.encode(experiment, forKey: .experiment)
        try c.encode(experimentFile, forKey: .experimentFile)
        try c.encode(command, forKey: .command)
        try c.encode(seed, forKey: .seed)
        try c.encode(generator, forKey: .generator)
        try c.encode(threads, forKey: .threads)
        try c.encodeIfPresent(checkpointEveryDays, forKey: .checkpointEveryDays)
        try c.encode(status, forKey: .status)
        try c.encode(iso.string(from: startedAt), forKey: .startedAt)
        try c.encodeIfPresent(resumedAt.map { iso.string(from: $0) }, forKey: .resumedAt)
        try c.encode(finishedAt.map { iso.string(from: $0) }, forKey: .finishedAt)
        try c.encode(wallSeconds, forKey: .wallSeconds)
        try c.encode(outputs, forKey: .outputs)
        try c.encode(configuration, forKey: .configuration)
    }
}
