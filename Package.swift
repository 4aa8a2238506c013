// swift-tools-version: 6.1
// SpineSim: dendritic spine populations whose synapses learn, grow, shrink,
// appear and disappear. Swift 6 language mode on the GNU Scientific Library.
import PackageDescription

/// Release builds drop Swift's dynamic exclusivity checks in the hot-loop
/// targets: the loops work on unsafe buffers owned by value types, where the
/// checks only cost time (ENGINE-NOTES trap 1).
let hotLoopSettings: [SwiftSetting] = [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "SpineSim",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "spinesim", targets: ["spinesim"]),
    ],
    // `make mpi` builds with this trait into .build-mpi/: dendrites (and the
    // grid points of one-piece experiments) spread over MPI ranks. The
    // default build has no MPI symbols and needs no MPI installed.
    traits: [
        .trait(name: "MPI", description: "Run one experiment over MPI ranks (needs an MPI library: libopenmpi-dev or libmpich-dev)."),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        // The C library: module map and a shim header with static inline
        // accessors for GSL's global type objects (Swift 6 rejects them as
        // shared mutable state).
        .systemLibrary(
            name: "CGSL",
            pkgConfig: "gsl",
            providers: [.apt(["libgsl-dev"])]
        ),
        // zlib (gzip-compressed result streams): module map and a shim header
        // with inline functions for zlib's initialisation macros.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // MPI (trait MPI only): module map and a shim header with static inline
        // accessors for the predefined handles Swift cannot import.
        .systemLibrary(
            name: "CMPI",
            pkgConfig: "mpi",
            providers: [.apt(["libopenmpi-dev"])]
        ),
        // Thin Swift layer over GSL: generators, distributions, ODE driver,
        // histograms. No model logic.
        .target(name: "GSL", dependencies: ["CGSL"], swiftSettings: hotLoopSettings),
        // The model (docs/MODEL.md): one file per process, independent of how time
        // is advanced.
        .target(name: "SpineModel", dependencies: ["GSL"], swiftSettings: hotLoopSettings),
        // The engine: experiment files, runners, recorders, manifests, benchmarks.
        .target(
            name: "SpineEngine",
            dependencies: ["SpineModel", "GSL", "CGSL", "CZlib", .product(name: "Yams", package: "Yams"),
                           .product(name: "Crypto", package: "swift-crypto"),
                           .target(name: "CMPI", condition: .when(traits: ["MPI"]))],
            swiftSettings: hotLoopSettings
        ),
        .executableTarget(
            name: "spinesim",
            dependencies: ["SpineEngine", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .testTarget(name: "GSLTests", dependencies: ["GSL"]),
        .testTarget(name: "SpineModelTests", dependencies: ["SpineModel", "GSL"]),
        // Depends on the executable so that CLI tests find it beside the test bundle.
        .testTarget(name: "SpineEngineTests",
                    dependencies: ["SpineEngine", "SpineModel", "GSL", "spinesim", .product(name: "Yams", package: "Yams")],
                    exclude: ["Malformed", "Golden"]),
    ]
)
