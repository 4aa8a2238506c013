import CGSL
import Foundation
import GSL

/// What a manifest records about the program that made a run: the version,
/// and what the Makefile embedded when it built the executable — the git
/// revision of the source tree (with "-dirty" when tracked files differed
/// from it), the Swift compiler and the resolved package versions. A build
/// without the Makefile (`swift build`) has none of them embedded and says so.
public enum BuildInfo {
    public static let version = "0.1.0"

    public struct Build: Encodable, Sendable {
        public let gitRevision: String?
        public let compiler: String?
        public let packages: String?
        /// Why the three above are null.
        public let note: String?

        enum CodingKeys: String, CodingKey { case gitRevision = "git_revision", compiler, packages, note }

        public func encode(to encoder: Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(gitRevision, forKey: .gitRevision)
            try c.encode(compiler, forKey: .compiler)
            try c.encode(packages, forKey: .packages)
            try c.encodeIfPresent(note, forKey: .note)
        }
    }

    public static let current: Build = {
        func embedded(_ value: UnsafePointer<CChar>) -> String? {
            let text = String(cString: value)
            return text.isEmpty ? nil : text
        }
        let revision = embedded(cgsl_spinesim_git_revision())
        return Build(gitRevision: revision, compiler: embedded(cgsl_spinesim_compiler()), packages: embedded(cgsl_spinesim_packages()),
                     note: revision == nil ? "built without the Makefile (swift build): the revision was not embedded; build with make" : nil)
    }()

    public static var gslLibraryVersion: String { gslVersion }
}
