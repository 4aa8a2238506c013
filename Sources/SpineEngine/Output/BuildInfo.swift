import Foundation
import GSL

/// What a manifest records about the program that made a run.
public enum BuildInfo {
    public static let version = "0.1.0"

    /// The git revision of the source tree the executable was built from
    /// (found from the executable's own location, then the working
    /// directory), "-dirty" appended when tracked files differ from it; nil
    /// outside a git checkout or without git.
    public static let gitRevision: String? = {
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
        for directory in [executable.deletingLastPathComponent().path, FileManager.default.currentDirectoryPath] {
            guard let revision = git(["rev-parse", "HEAD"], in: directory) else { continue }
            let changes = git(["status", "--porcelain", "--untracked-files=no"], in: directory) ?? ""
            return changes.isEmpty ? revision : revision + "-dirty"
        }
        return nil
    }()

    public static var gslLibraryVersion: String { gslVersion }

    private static func git(_ arguments: [String], in directory: String) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
