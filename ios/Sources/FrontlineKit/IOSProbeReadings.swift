// Raw iOS probe readings -> the core's `DeviceFacts`. IOSPostureProbe (Apple-only) only reads
// the platform APIs into `IOSProbeReadings`; every decision (what a reading means, which
// jailbreak signal it is, what stays unknown) is here, platform-neutral and tested on Linux.
// docs/posture.md lists which API fills which field.
import Foundation

/// What `LAContext.canEvaluatePolicy(.deviceOwnerAuthentication)` answered.
public enum PasscodeReading: Equatable {
    case set
    /// `LAError.passcodeNotSet`.
    case notSet
    /// Any other error: the probe cannot tell.
    case unknown
}

/// What `canEvaluatePolicy(.deviceOwnerAuthenticationWithBiometrics)` and `biometryType` said.
public enum BiometryReading: Equatable {
    case enrolled
    /// Hardware present (`biometryType != .none`), `LAError.biometryNotEnrolled`.
    case notEnrolled
    /// `biometryType == .none` or `LAError.biometryNotAvailable`.
    case noHardware
    case unknown
}

/// One probe run's raw readings; `nil` means the probe could not read it.
public struct IOSProbeReadings {
    /// `ProcessInfo.operatingSystemVersion` (major, minor, patch).
    public var osVersion: (major: Int, minor: Int, patch: Int)?
    /// `sysctlbyname("kern.osversion")`, e.g. `24B91`.
    public var osBuild: String?
    public var passcode: PasscodeReading
    public var biometry: BiometryReading
    /// Jailbreak-store paths found on disk (`/Applications/Cydia.app`, ...), or `cydia://` openable.
    public var jailbreakStoreFound: Bool?
    /// A test file written outside the container (e.g. in `/private/`) was created.
    public var wroteOutsideSandbox: Bool?
    /// Names of the images `_dyld_get_image_name` lists.
    public var loadedImages: [String]?
    /// `sysctl` `kinfo_proc.kp_proc.p_flag & P_TRACED`.
    public var debuggerAttached: Bool?
    /// `targetEnvironment(simulator)`.
    public var simulator: Bool
    /// `UserDefaults.standard.dictionary(forKey: "com.apple.configuration.managed") != nil`.
    public var managedConfigPresent: Bool
    /// `CFBundleShortVersionString`.
    public var appVersion: String?
    public var collectedAtMs: Int64

    public init(
        osVersion: (major: Int, minor: Int, patch: Int)?, osBuild: String?, passcode: PasscodeReading,
        biometry: BiometryReading, jailbreakStoreFound: Bool?, wroteOutsideSandbox: Bool?,
        loadedImages: [String]?, debuggerAttached: Bool?, simulator: Bool, managedConfigPresent: Bool,
        appVersion: String?, collectedAtMs: Int64
    ) {
        self.osVersion = osVersion
        self.osBuild = osBuild
        self.passcode = passcode
        self.biometry = biometry
        self.jailbreakStoreFound = jailbreakStoreFound
        self.wroteOutsideSandbox = wroteOutsideSandbox
        self.loadedImages = loadedImages
        self.debuggerAttached = debuggerAttached
        self.simulator = simulator
        self.managedConfigPresent = managedConfigPresent
        self.appVersion = appVersion
        self.collectedAtMs = collectedAtMs
    }

    /// Substrings of loaded image paths that mean a tweak injector or instrumentation.
    public static let suspiciousImageMarkers = [
        "MobileSubstrate", "substrate", "libhooker", "substitute", "TweakInject", "FridaGadget",
        "frida", "cynject", "libcycript", "SSLKillSwitch", "ellekit",
    ]

    /// Each independent signal found, named; the core's policy weighs them (a lone weak signal
    /// is a warning, several strong ones a failure). `nil` when no jailbreak reading ran at all.
    public func rootSignals() -> [RootSignal]? {
        let readings: [Bool?] = [jailbreakStoreFound, wroteOutsideSandbox, loadedImages.map { _ in true }, debuggerAttached]
        if readings.allSatisfy({ $0 == nil }) && !simulator { return nil }
        var signals: [RootSignal] = []
        if jailbreakStoreFound == true { signals.append(.cydiaInstalled) }
        if wroteOutsideSandbox == true { signals.append(.sandboxEscape) }
        let markers = Self.suspiciousImageMarkers.map { $0.lowercased() }
        if let images = loadedImages, images.contains(where: { image in
            let name = image.lowercased()
            return markers.contains(where: { name.contains($0) })
        }) {
            signals.append(.suspiciousDylib)
        }
        if debuggerAttached == true { signals.append(.debuggerAttached) }
        if simulator { signals.append(.emulator) }
        return signals
    }

    /// The facts for `Companion.checkPosture`. iOS does not tell an app its patch level, its
    /// passcode strength, developer mode or side-loading state: those stay unknown (`nil`).
    public func deviceFacts() -> DeviceFacts {
        let lock: Bool? = switch passcode {
        case .set: true
        case .notSet: false
        case .unknown: nil
        }
        let biometrics: (available: Bool?, enrolled: Bool?) = switch biometry {
        case .enrolled: (true, true)
        case .notEnrolled: (true, false)
        case .noHardware: (false, false)
        case .unknown: (nil, nil)
        }
        return DeviceFacts(
            platform: .ios,
            osVersion: osVersion.map { "\($0.major).\($0.minor).\($0.patch)" },
            osBuild: osBuild,
            securityPatch: nil,
            secureLockScreen: lock,
            lockComplexity: nil,
            biometricsAvailable: biometrics.available,
            biometricsEnrolled: biometrics.enrolled,
            // Data protection follows the passcode on iOS.
            storageEncryption: lock.map { $0 ? .dataProtectionOn : .dataProtectionOff },
            developerOptions: nil,
            usbDebugging: nil,
            unknownSources: nil,
            rootSignals: rootSignals(),
            managedByMdm: managedConfigPresent,
            appVersion: appVersion,
            collectedAtMs: collectedAtMs
        )
    }
}
