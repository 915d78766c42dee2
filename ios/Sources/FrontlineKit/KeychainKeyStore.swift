// The app's KeyStore: the data key wrapped by a Secure Enclave P-256 key (ECIES, X9.63 SHA-256,
// AES-GCM) where the device has one, else by an AES-256 key kept in the Keychain (simulator).
// Items are kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly and never synchronizable (not in
// iCloud Keychain, not in backups restored to another device). Errors are KeyWrapFailure;
// PlatformKeyStore maps them to the core's. Apple-only: not compiled on Linux (docs/ios.md).
#if canImport(Security) && canImport(CryptoKit)
import CryptoKit
import Foundation
import Security

public final class KeychainKeyStore: KeyStore, @unchecked Sendable {
    private let inner: PlatformKeyStore

    /// `tag`: the Keychain application tag / account of the wrapping key.
    public init(tag: String = "org.frontline.app.datakey-wrap") {
        let wrapper: KeyWrapper = SecureEnclave.isAvailable ? EnclaveWrapper(tag: tag) : KeychainAESWrapper(account: tag)
        inner = PlatformKeyStore(wrapper: wrapper)
    }

    public func wrapKey(key: Data) throws -> Data { try inner.wrapKey(key: key) }
    public func unwrapKey(wrapped: Data) throws -> Data { try inner.unwrapKey(wrapped: wrapped) }
}

/// `errSecInteractionNotAllowed` (locked before first unlock) is temporary; the rest fail.
private func failure(_ status: OSStatus) -> KeyWrapFailure {
    status == errSecInteractionNotAllowed ? .locked : .failed("keychain status \(status)")
}

private struct EnclaveWrapper: KeyWrapper {
    let tag: String
    var scheme: UInt8 { 1 }
    private let algorithm = SecKeyAlgorithm.eciesEncryptionCofactorVariableIVX963SHA256AESGCM

    private func privateKey(create: Bool) throws -> SecKey {
        let query: [String: Any] = [
            kSecClass as String: kSecClassKey, kSecAttrApplicationTag as String: Data(tag.utf8),
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecReturnRef as String: true,
        ]
        var item: CFTypeRef?
        let status = SecItemCopyMatching(query as CFDictionary, &item)
        if status == errSecSuccess, let item { return item as! SecKey } // swiftlint:disable:this force_cast
        guard status == errSecItemNotFound else { throw failure(status) }
        guard create else { throw KeyWrapFailure.keyMissing }
        var error: Unmanaged<CFError>?
        guard let access = SecAccessControlCreateWithFlags(
            nil, kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly, .privateKeyUsage, &error) else {
            throw KeyWrapFailure.failed("access control")
        }
        let attributes: [String: Any] = [
            kSecAttrKeyType as String: kSecAttrKeyTypeECSECPrimeRandom, kSecAttrKeySizeInBits as String: 256,
            kSecAttrTokenID as String: kSecAttrTokenIDSecureEnclave,
            kSecPrivateKeyAttrs as String: [
                kSecAttrIsPermanent as String: true, kSecAttrApplicationTag as String: Data(tag.utf8),
                kSecAttrAccessControl as String: access, kSecAttrSynchronizable as String: false,
            ] as [String: Any],
        ]
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            throw KeyWrapFailure.failed("secure enclave key not created")
        }
        return key
    }

    func wrap(_ key: Data) throws -> Data {
        guard let publicKey = SecKeyCopyPublicKey(try privateKey(create: true)) else { throw KeyWrapFailure.failed("no public key") }
        var error: Unmanaged<CFError>?
        guard let blob = SecKeyCreateEncryptedData(publicKey, algorithm, key as CFData, &error) else {
            throw KeyWrapFailure.failed("ecies wrap")
        }
        return blob as Data
    }

    func unwrap(_ wrapped: Data) throws -> Data {
        var error: Unmanaged<CFError>?
        guard let key = SecKeyCreateDecryptedData(try privateKey(create: false), algorithm, wrapped as CFData, &error) else {
            throw KeyWrapFailure.keyChanged
        }
        return key as Data
    }
}

private struct KeychainAESWrapper: KeyWrapper {
    let account: String
    var scheme: UInt8 { 2 }

    private var query: [String: Any] {
        [kSecClass as String: kSecClassGenericPassword, kSecAttrService as String: "org.frontline.app",
         kSecAttrAccount as String: account, kSecAttrSynchronizable as String: false]
    }

    private func symmetricKey(create: Bool) throws -> SymmetricKey {
        var item: CFTypeRef?
        var lookup = query
        lookup[kSecReturnData as String] = true
        let status = SecItemCopyMatching(lookup as CFDictionary, &item)
        if status == errSecSuccess, let data = item as? Data { return SymmetricKey(data: data) }
        guard status == errSecItemNotFound else { throw failure(status) }
        guard create else { throw KeyWrapFailure.keyMissing }
        let key = SymmetricKey(size: .bits256)
        var add = query
        add[kSecValueData as String] = key.withUnsafeBytes { Data($0) }
        add[kSecAttrAccessible as String] = kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly
        let added = SecItemAdd(add as CFDictionary, nil)
        guard added == errSecSuccess else { throw failure(added) }
        return key
    }

    func wrap(_ key: Data) throws -> Data {
        do {
            guard let sealed = try AES.GCM.seal(key, using: try symmetricKey(create: true)).combined else {
                throw KeyWrapFailure.failed("aes-gcm")
            }
            return sealed
        } catch let failure as KeyWrapFailure { throw failure } catch { throw KeyWrapFailure.failed("aes-gcm") }
    }

    func unwrap(_ wrapped: Data) throws -> Data {
        let key = try symmetricKey(create: false)
        guard let box = try? AES.GCM.SealedBox(combined: wrapped), let plain = try? AES.GCM.open(box, using: key) else {
            throw KeyWrapFailure.keyChanged
        }
        return plain
    }
}
#endif
