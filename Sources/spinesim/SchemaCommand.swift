import ArgumentParser
import Foundation
import SpineEngine

/// `spinesim schema [KIND] [--markdown]`: the JSON Schema of experiment files
/// (docs/spinesim.schema.json), or the reference docs/CONFIG.md, both from
/// the settings' declarations.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the JSON Schema (draft 2020-12) of experiment and sweep files, or the configuration reference.",
        discussion: """
            Without KIND: every experiment kind and sweep files (docs/spinesim.schema.json: \
            spinesim schema > docs/spinesim.schema.json). KIND: one experiment kind, or 'sweep'. \
            --markdown prints docs/CONFIG.md instead (\(ConfigReference.command)).
            """
    )

    @Argument(help: ArgumentHelp("An experiment kind (\(ExperimentKind.allCases.map(\.rawValue).joined(separator: ", "))) or 'sweep'.",
                                 valueName: "kind"))
    var kind: String?

    @Flag(help: "Print the configuration reference (Markdown) of every kind instead.")
    var markdown = false

    func validate() throws {
        if let kind, kind != "sweep", ExperimentKind(rawValue: kind) == nil {
            throw ValidationError("'\(kind)' is not an experiment kind; allowed: \(ExperimentKind.allCases.map(\.rawValue).joined(separator: ", ")) or sweep")
        }
        if markdown && kind != nil { throw ValidationError("--markdown documents every kind; allowed: no KIND with --markdown") }
    }

    func run() throws {
        if markdown {
            FileHandle.standardOutput.write(Data(ConfigReference.markdown().utf8))
            return
        }
        let schema = switch kind {
        case nil: ConfigSchema.all()
        case "sweep": ConfigSchema.sweep()
        case let name?: ConfigSchema.experiment(ExperimentKind(rawValue: name)!)
        }
        FileHandle.standardOutput.write(try JSONOutput.encode(schema) + Data("\n".utf8))
    }
}
