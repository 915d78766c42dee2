// swift-tools-version:5.9
// FrontlineKit: the generated Swift over the Rust core, the thin iOS adapters and the sample's
// screens. On a Mac the core is the XCFramework that scripts/build-ios.sh makes (device and
// simulator slices, static library). On Linux (scripts/steps/swift.sh, in a Debian root with
// Swift 6) the same sources compile against the host-built libfrontline_ffi.so from
// scripts/bindings.sh; Apple-only code is behind `#if canImport(...)` (docs/ios.md).
import PackageDescription

#if os(Linux)
// Headers and library from scripts/bindings.sh (build/bindings/), named by the module map.
let bindingsDir = Context.packageDirectory + "/../build/bindings"
let core: [Target] = [
    .systemLibrary(name: "FrontlineFFI", path: "Linux/FrontlineFFI"),
    // AES-256-GCM for the tests' stand-in key store (OpenSSL; CryptoKit on Apple platforms).
    .systemLibrary(name: "CTestCrypto", path: "Linux/CTestCrypto"),
]
let linkCore: [LinkerSetting] = [.unsafeFlags(["-L", bindingsDir, "-Xlinker", "-rpath", "-Xlinker", bindingsDir])]
let testDependencies: [Target.Dependency] = ["FrontlineKit", "FrontlineUI", "CTestCrypto"]
#else
let core: [Target] = [.binaryTarget(name: "FrontlineFFI", path: "FrontlineFFI.xcframework")]
let linkCore: [LinkerSetting] = []
let testDependencies: [Target.Dependency] = ["FrontlineKit", "FrontlineUI"]
#endif

let package = Package(
    name: "Frontline",
    platforms: [.iOS(.v16), .macOS(.v13)],
    products: [
        .library(name: "FrontlineKit", targets: ["FrontlineKit"]),
        .library(name: "FrontlineUI", targets: ["FrontlineUI"]),
    ],
    targets: core + [
        // Generated/ holds Frontline.swift and FrontlineCore.swift (build output, not committed).
        .target(name: "FrontlineKit", dependencies: ["FrontlineFFI"], linkerSettings: linkCore),
        .target(name: "FrontlineUI", dependencies: ["FrontlineKit"]),
        .testTarget(name: "FrontlineKitTests", dependencies: testDependencies),
    ],
    swiftLanguageVersions: [.v5]
)
