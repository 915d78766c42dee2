//! The device identity as the apps see it: id, public key, enrolment body.

use crate::crypto::b64url;
use crate::error::{Error, Result};
use crate::identity::EnrolmentBody;
use crate::Companion;

impl Companion {
    /// This device's id (a UUID v4 chosen on first open).
    pub fn device_id(&self) -> String {
        self.identity.device_id.clone()
    }

    /// This device's Ed25519 public key, base64url without padding (32 bytes).
    pub fn device_public_key(&self) -> String {
        b64url(&self.identity.key.public_key())
    }

    /// The JSON body for `POST /v1/devices`, using the configured enrolment token.
    pub fn enrolment_body(&self) -> Result<Vec<u8>> {
        let token = self
            .config
            .enrolment_token
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(Error::NotConfigured("enrolment_token"))?;
        let body = EnrolmentBody {
            device_id: self.device_id(),
            public_key: self.device_public_key(),
            enrolment_token: token.to_owned(),
        };
        Ok(serde_json::to_vec(&body)?)
    }

    /// Signs `message` with the device key.
    pub(crate) fn device_sign(&self, message: &[u8]) -> Vec<u8> {
        self.identity.key.sign(message)
    }
}
