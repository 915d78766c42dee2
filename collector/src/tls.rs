//! TLS terminated by the collector itself (rustls with ring, TLS 1.2 and 1.3).
//!
//! A trust can expose the collector to its devices without a reverse proxy: give it the
//! certificate chain and private key (PEM files, as issued by the trust's CA or ACME
//! client). The files are read once at start; a renewed certificate needs a restart (the
//! devices' retry and back-off make that invisible). ALPN offers `http/1.1` only.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::CollectorError;

/// Where the collector's certificate chain and private key are (PEM).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The certificate chain, leaf first.
    pub cert_chain: PathBuf,
    /// The private key (PKCS#8, PKCS#1 or SEC1).
    pub private_key: PathBuf,
}

/// The rustls server configuration for `files`.
pub fn server_config(files: &TlsFiles) -> Result<rustls::ServerConfig, CollectorError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert_chain)
        .map_err(|_| CollectorError::Tls("cannot read the certificate file"))?
        .collect::<Result<_, _>>()
        .map_err(|_| CollectorError::Tls("the certificate file is not PEM"))?;
    if certs.is_empty() {
        return Err(CollectorError::Tls(
            "no certificate in the certificate file",
        ));
    }
    let key = PrivateKeyDer::from_pem_file(&files.private_key)
        .map_err(|_| CollectorError::Tls("cannot read a private key from the key file"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|_| CollectorError::Tls("no usable protocol version"))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|_| CollectorError::Tls("the key does not match the certificate"))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

pub(crate) fn acceptor(files: &TlsFiles) -> Result<tokio_rustls::TlsAcceptor, CollectorError> {
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(server_config(
        files,
    )?)))
}
