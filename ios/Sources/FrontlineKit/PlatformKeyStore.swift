// The core's `KeyStore` over a platform key wrapper (Secure Enclave, Keychain, a test key), and
// the mapping of what went wrong with the platform key to the core's typed errors: a key that is
// gone or changed is permanent (`KeyInvalidated` -> `FrontlineError.KeyMismatch`, which the app
// answers with `recoverLocalStore`); a locked Keychain is temporary (`Failed` ->
// `FrontlineError.KeyStoreUnavailable`, try again after unlock). Platform-neutral; compiled and
// tested on Linux. The blob carries a one-byte header naming the wrapping scheme (ADR 0121).
import Foundation

/// What went wrong with the platform key, in the terms the core needs.
public enum KeyWrapFailure: Error, Equatable {
    /// The key exists but cannot be used now (device locked before first unlock). Temporary.
    case locked
    /// The key this blob was wrapped with no longer exists (app reinstalled, device restored).
    case keyMissing
    /// The key exists but does not open this blob (a different key, a damaged blob).
    case keyChanged
    /// Anything else the platform reported (its text is never logged by the core).
    case failed(String)
}

/// Wraps a 32-byte key under a platform key that never leaves the platform's key store.
public protocol KeyWrapper: Sendable {
    /// The scheme byte written in front of every blob this wrapper makes.
    var scheme: UInt8 { get }
    /// Encrypts `key`; throws `KeyWrapFailure`.
    func wrap(_ key: Data) throws -> Data
    /// Decrypts what `wrap` produced; throws `KeyWrapFailure`.
    func unwrap(_ wrapped: Data) throws -> Data
}

/// The core's `KeyStore` over a `KeyWrapper`. Never calls back into the `Companion`.
public final class PlatformKeyStore: KeyStore, @unchecked Sendable {
    /// Format of the blob header (byte 0); byte 1 is the wrapper's scheme.
    static let formatVersion: UInt8 = 1
    private let wrapper: KeyWrapper

    public init(wrapper: KeyWrapper) {
        self.wrapper = wrapper
    }

    public func wrapKey(key: Data) throws -> Data {
        guard key.count == 32 else { throw PlatformError.Failed(reason: "data key must be 32 bytes") }
        do {
            return Data([Self.formatVersion, wrapper.scheme]) + (try wrapper.wrap(key))
        } catch {
            throw Self.platformError(error)
        }
    }

    public func unwrapKey(wrapped: Data) throws -> Data {
        let bytes = [UInt8](wrapped.prefix(2))
        // A blob from another scheme (another device class, an older app) can never be opened
        // here: permanent, so the app offers recovery instead of retrying for ever.
        guard bytes.count == 2, bytes[0] == Self.formatVersion, bytes[1] == wrapper.scheme else {
            throw PlatformError.KeyInvalidated(reason: "wrapped key has another format or scheme")
        }
        let key: Data
        do {
            key = try wrapper.unwrap(Data(wrapped.dropFirst(2)))
        } catch {
            throw Self.platformError(error)
        }
        guard key.count == 32 else { throw PlatformError.KeyInvalidated(reason: "unwrapped key has the wrong size") }
        return key
    }

    /// The core's error for a wrapper's failure: permanent ones become `KeyInvalidated`.
    public static func platformError(_ error: Error) -> PlatformError {
        switch error as? KeyWrapFailure {
        case .locked: return .Failed(reason: "platform key locked")
        case .keyMissing: return .KeyInvalidated(reason: "platform key missing")
        case .keyChanged: return .KeyInvalidated(reason: "platform key does not open the blob")
        case .failed(let reason): return .Failed(reason: reason)
        case nil: return .Failed(reason: "platform key store failed")
        }
    }
}
