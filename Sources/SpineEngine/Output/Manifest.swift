import Foundation

/// `manifest.json`: everything needed to know what a run was and to repeat
/// it bit for bit — its identity, seed, resolved configuration, generator,
/// the build that ran it, the command and every resume, times and outputs.
/// Only a manifest whose status is "completed" vouches for the results it
/// lists.
public struct Manifest<Configuration: Encodable>: Encodable {
    public var spinesimVersion = BuildInfo.version
    public var build = BuildInfo.current
    public var gslVersion = BuildInfo.gslLibraryVersion
    /// A new identity per run, copied into its checkpoints.
    public var runID: String
    /// A digest of the resolved configuration with seed and generator (checkpoints carry it too).
    public var configurationDigest: String
    public var experiment: String
    public var experimentFile: String
    /// The command that started the run, and its threads.
    public var command: [String]
    public var seed: UInt64
    public var generator: String
    /// Threads of each rank.
    public var threads: Int
    /// MPI ranks (the MPI build only).
    public var ranks: Int? = Cluster.isMPIBuild ? Cluster.world.size : nil
    /// Bytes each rank sent to rank 0 (the MPI build, a completed run).
    public var bytesGatheredPerRank: [Int]?
    public var checkpointEveryDays: Int?
    public var status: String
    public var startedAt: Date
    /// Each resume: when, the command, threads and the wall seconds it ran.
    public var resumes: [ManifestResume] = []
    public var finishedAt: Date?
    /// Wall seconds over the first run and every resume.
    public var wallSeconds: Double?
    public var outputs: [String]
    /// The configuration after presets, defaults and overrides were applied.
    public var configuration: Configuration

    enum CodingKeys: String, CodingKey {
        case spinesimVersion = "spinesim_version", build, gslVersion = "gsl_version", runID = "run_id"
        case configurationDigest = "configuration_digest"
        case experiment, experimentFile = "experiment_file", command, seed, generator, threads, ranks
        case bytesGatheredPerRank = "bytes_gathered_per_rank"
        case checkpointEveryDays = "checkpoint_every_days", status, startedAt = "started_at", resumes
        case finishedAt = "finished_at", wallSeconds = "wall_seconds", outputs, configuration
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(spinesimVersion, forKey: .spinesimVersion)
        try c.encode(build, forKey: .build)
        try c.encode(gslVersion, forKey: .gslVersion)
        try c.encode(runID, forKey: .runID)
        try c.encode(configurationDigest, forKey: .configurationDigest)
        try c.encode(experiment, forKey: .experiment)
        try c.encode(experimentFile, forKey: .experimentFile)
        try c.encode(command, forKey: .command)
        try c.encode(seed, forKey: .seed)
        try c.encode(generator, forKey: .generator)
        try c.encode(threads, forKey: .threads)
        try c.encodeIfPresent(ranks, forKey: .ranks)
        try c.encodeIfPresent(bytesGatheredPerRank, forKey: .bytesGatheredPerRank)
        try c.encodeIfPresent(checkpointEveryDays, forKey: .checkpointEveryDays)
        try c.encode(status, forKey: .status)
        try c.encode(Manifest.timestamp(startedAt), forKey: .startedAt)
        try c.encode(resumes, forKey: .resumes)
        try c.encode(finishedAt.map(Manifest.timestamp), forKey: .finishedAt)
        try c.encode(wallSeconds, forKey: .wallSeconds)
        try c.encode(outputs, forKey: .outputs)
        try c.encode(configuration, forKey: .configuration)
    }

    static func timestamp(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

/// One resume of a run: when, the command, threads and the wall seconds it ran.
public struct ManifestResume: Codable, Sendable {
    public var at: String
    public var command: [String]
    public var threads: Int
    public var ranks: Int?
    public var wallSeconds: Double?

    enum CodingKeys: String, CodingKey { case at, command, threads, ranks, wallSeconds = "wall_seconds" }
}

/// The parts of an earlier manifest a resume continues from.
struct ManifestRecord: Decodable {
    var runID: String
    var configurationDigest: String
    var experimentFile: String
    var command: [String]
    var threads: Int
    var checkpointEveryDays: Int?
    var status: String
    var startedAt: String
    var resumes: [ManifestResume]
    var wallSeconds: Double?

    enum CodingKeys: String, CodingKey {
        case runID = "run_id", configurationDigest = "configuration_digest", experimentFile = "experiment_file", command, threads
        case checkpointEveryDays = "checkpoint_every_days", status, startedAt = "started_at", resumes, wallSeconds = "wall_seconds"
    }
}
