// Reads the iOS APIs into IOSProbeReadings; IOSProbeReadings.deviceFacts() decides what they
// mean. LocalAuthentication for the passcode and biometrics, ProcessInfo and sysctl for the OS,
// the file system, dyld and sysctl for the jailbreak signals (docs/posture.md). What iOS does not
// tell an app (patch level, passcode strength, developer mode) is left unknown.
// Apple-only: not compiled on Linux (docs/ios.md).
#if canImport(LocalAuthentication) && canImport(Darwin)
import Darwin
import Foundation
import LocalAuthentication
import MachO

public enum IOSPostureProbe {
    /// One probe run. Cheap (no network, no prompts); run it on start, on foreground and before
    /// a scheduled or MDM-requested check.
    public static func readings(now: Date = Date(), defaults: UserDefaults = .standard) -> IOSProbeReadings {
        let version = ProcessInfo.processInfo.operatingSystemVersion
        return IOSProbeReadings(
            osVersion: (version.majorVersion, version.minorVersion, version.patchVersion),
            osBuild: sysctlString("kern.osversion"),
            passcode: passcode(),
            biometry: biometry(),
            jailbreakStoreFound: jailbreakStoreFound(),
            wroteOutsideSandbox: wroteOutsideSandbox(),
            loadedImages: (0..<_dyld_image_count()).compactMap { _dyld_get_image_name($0).map { String(cString: $0) } },
            debuggerAttached: debuggerAttached(),
            simulator: isSimulator,
            managedConfigPresent: defaults.dictionary(forKey: ManagedAppConfig.configurationKey) != nil,
            appVersion: Bundle.main.object(forInfoDictionaryKey: "CFBundleShortVersionString") as? String,
            collectedAtMs: Int64(now.timeIntervalSince1970 * 1000)
        )
    }

    static var isSimulator: Bool {
        #if targetEnvironment(simulator)
        return true
        #else
        return false
        #endif
    }

    static func passcode() -> PasscodeReading {
        var error: NSError?
        if LAContext().canEvaluatePolicy(.deviceOwnerAuthentication, error: &error) { return .set }
        return (error as? LAError)?.code == .passcodeNotSet ? .notSet : .unknown
    }

    static func biometry() -> BiometryReading {
        let context = LAContext()
        var error: NSError?
        let enrolled = context.canEvaluatePolicy(.deviceOwnerAuthenticationWithBiometrics, error: &error)
        if enrolled { return .enrolled }
        switch (error as? LAError)?.code {
        case .biometryNotEnrolled: return .notEnrolled
        case .biometryNotAvailable: return context.biometryType == .none ? .noHardware : .unknown
        default: return context.biometryType == .none ? .noHardware : .unknown
        }
    }

    static func jailbreakStoreFound() -> Bool {
        ["/Applications/Cydia.app", "/Applications/Sileo.app", "/Applications/Zebra.app",
         "/var/jb/Applications/Sileo.app", "/Library/MobileSubstrate/MobileSubstrate.dylib"]
            .contains { FileManager.default.fileExists(atPath: $0) }
    }

    /// A sandboxed app cannot create files in /private; on a jailbroken device it often can.
    static func wroteOutsideSandbox() -> Bool {
        let path = "/private/frontline-sandbox-probe-\(UUID().uuidString)"
        guard FileManager.default.createFile(atPath: path, contents: Data()) else { return false }
        try? FileManager.default.removeItem(atPath: path)
        return true
    }

    static func debuggerAttached() -> Bool? {
        var info = kinfo_proc()
        var size = MemoryLayout<kinfo_proc>.stride
        var mib: [Int32] = [CTL_KERN, KERN_PROC, KERN_PROC_PID, getpid()]
        guard sysctl(&mib, u_int(mib.count), &info, &size, nil, 0) == 0 else { return nil }
        return (info.kp_proc.p_flag & P_TRACED) != 0
    }

    static func sysctlString(_ name: String) -> String? {
        var size = 0
        guard sysctlbyname(name, nil, &size, nil, 0) == 0, size > 0 else { return nil }
        var buffer = [CChar](repeating: 0, count: size)
        guard sysctlbyname(name, &buffer, &size, nil, 0) == 0 else { return nil }
        return String(cString: buffer)
    }
}
#endif
