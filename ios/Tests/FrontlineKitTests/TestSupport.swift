// What the Swift tests share: a key wrapper with a real AES-256-GCM key held by the object
// (standing in for the Secure Enclave / Keychain, which exist only on Apple devices; OpenSSL
// on Linux, CryptoKit on Apple platforms), the app's configuration, a temporary data
// directory, a test case with a real core opened in it, and the `frontline` CLI the sync test
// starts the collector with.
import Foundation
import FrontlineKit
import XCTest
#if canImport(CryptoKit)
import CryptoKit
#else
import CTestCrypto
#endif

/// AES-256-GCM under a key that never leaves this object. Counts its calls.
final class AesGcmWrapper: KeyWrapper, @unchecked Sendable {
    let scheme: UInt8
    private let key: [UInt8]
    private let lock = NSLock()
    private var counts = (wraps: 0, unwraps: 0)
    var wraps: Int { lock.withLock { counts.wraps } }
    var unwraps: Int { lock.withLock { counts.unwraps } }

    init(scheme: UInt8 = 2) {
        self.scheme = scheme
        key = randomBytes(32)
    }

    func wrap(_ plain: Data) throws -> Data {
        lock.withLock { counts.wraps += 1 }
        let iv = randomBytes(12)
        guard let sealed = aesGcm(encrypt: true, key: key, iv: iv, input: [UInt8](plain)) else {
            throw KeyWrapFailure.failed("aes-gcm seal")
        }
        return Data(iv + sealed)
    }

    func unwrap(_ wrapped: Data) throws -> Data {
        lock.withLock { counts.unwraps += 1 }
        let bytes = [UInt8](wrapped)
        guard bytes.count >= 12 + 16 else { throw KeyWrapFailure.keyChanged }
        // A blob this key cannot open never will be: a changed key, as after a passcode reset.
        guard let plain = aesGcm(encrypt: false, key: key, iv: Array(bytes[..<12]), input: Array(bytes[12...])) else {
            throw KeyWrapFailure.keyChanged
        }
        return Data(plain)
    }
}

/// A wrapper whose platform key is unusable: locked (temporary) or gone (permanent).
struct BrokenWrapper: KeyWrapper {
    let failure: KeyWrapFailure
    var scheme: UInt8 { 2 }
    func wrap(_ key: Data) throws -> Data { throw failure }
    func unwrap(_ wrapped: Data) throws -> Data { throw failure }
}

#if canImport(CryptoKit)
func randomBytes(_ count: Int) -> [UInt8] {
    SymmetricKey(size: SymmetricKeySize(bitCount: count * 8)).withUnsafeBytes { Array($0) }
}

/// ciphertext || tag on encryption; nil when authentication fails.
func aesGcm(encrypt: Bool, key: [UInt8], iv: [UInt8], input: [UInt8]) -> [UInt8]? {
    let symmetric = SymmetricKey(data: key)
    guard let nonce = try? AES.GCM.Nonce(data: iv) else { return nil }
    if encrypt {
        guard let box = try? AES.GCM.seal(input, using: symmetric, nonce: nonce) else { return nil }
        return Array(box.ciphertext) + Array(box.tag)
    }
    guard input.count >= 16,
          let box = try? AES.GCM.SealedBox(nonce: nonce, ciphertext: input.dropLast(16), tag: input.suffix(16)),
          let plain = try? AES.GCM.open(box, using: symmetric) else { return nil }
    return Array(plain)
}
#else
func randomBytes(_ count: Int) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count)
    precondition(RAND_bytes(&bytes, Int32(count)) == 1, "RAND_bytes failed")
    return bytes
}

/// ciphertext || tag on encryption; nil when authentication fails (OpenSSL EVP, AES-256-GCM).
func aesGcm(encrypt: Bool, key: [UInt8], iv: [UInt8], input: [UInt8]) -> [UInt8]? {
    guard let ctx = EVP_CIPHER_CTX_new() else { return nil }
    defer { EVP_CIPHER_CTX_free(ctx) }
    let body = encrypt ? input : Array(input.dropLast(16))
    var tag = encrypt ? [UInt8](repeating: 0, count: 16) : Array(input.suffix(16))
    var out = [UInt8](repeating: 0, count: body.count + 16)
    var length: Int32 = 0
    var final: Int32 = 0
    let setTag: Int32 = 0x11, getTag: Int32 = 0x10 // EVP_CTRL_GCM_SET_TAG / GET_TAG
    if encrypt {
        guard EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, iv) == 1,
              EVP_EncryptUpdate(ctx, &out, &length, body, Int32(body.count)) == 1,
              EVP_EncryptFinal_ex(ctx, &out[Int(length)], &final) == 1,
              EVP_CIPHER_CTX_ctrl(ctx, getTag, 16, &tag) == 1 else { return nil }
        return Array(out[..<Int(length + final)]) + tag
    }
    guard input.count >= 16,
          EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, key, iv) == 1,
          EVP_DecryptUpdate(ctx, &out, &length, body, Int32(body.count)) == 1,
          EVP_CIPHER_CTX_ctrl(ctx, setTag, 16, &tag) == 1,
          EVP_DecryptFinal_ex(ctx, &out[Int(length)], &final) == 1 else { return nil }
    return Array(out[..<Int(length + final)])
}
#endif

/// The app's configuration for a member of staff of the example organisation.
func testConfig(
    pseudonym: String, collectorUrl: String? = nil, enrolmentToken: String? = nil, orgReportKey: String? = nil
) -> CompanionConfig {
    CompanionConfig(
        organisationId: "example-trust", organisationUrl: "https://example-trust.example",
        staffPseudonym: pseudonym, staffRole: .allStaff, collectorUrl: collectorUrl,
        enrolmentToken: enrolmentToken, publisherKey: nil, orgReportKey: orgReportKey,
        postureCheckRequestId: nil, syncIntervalMinutes: 60, syncWifiOnly: false
    )
}

/// A fresh private directory, removed by `removeTemporaryDirectory`.
func makeTemporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    return url
}

/// A test case with a real core opened in a fresh directory on the AES-GCM stand-in key store for
/// each test, shut down and removed after it.
class CompanionTestCase: XCTestCase {
    var dir: URL!
    var app: Companion!
    /// The pseudonym of this test case's member of staff.
    var pseudonym: String { "stf-swift-test" }

    override func setUpWithError() throws {
        dir = try makeTemporaryDirectory("frontline-\(pseudonym)")
        app = try Companion(dataDir: dir.path, config: testConfig(pseudonym: pseudonym), keyStore: PlatformKeyStore(wrapper: AesGcmWrapper()))
    }

    override func tearDownWithError() throws {
        app.shutdown()
        try? FileManager.default.removeItem(at: dir)
    }
}

/// What IOSPostureProbe reads on a current iPhone with a passcode and Face ID, not jailbroken.
func currentIPhoneReadings(now: Date = Date()) -> IOSProbeReadings {
    IOSProbeReadings(
        osVersion: (27, 1, 1), osBuild: "25B78", passcode: .set, biometry: .enrolled,
        jailbreakStoreFound: false, wroteOutsideSandbox: false,
        loadedImages: ["/usr/lib/libSystem.B.dylib", "/System/Library/Frameworks/UIKit.framework/UIKit"],
        debuggerAttached: false, simulator: false, managedConfigPresent: true, appVersion: "0.1.0",
        collectedAtMs: Int64(now.timeIntervalSince1970 * 1000)
    )
}
