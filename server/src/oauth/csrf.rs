//! The consent form's anti-forgery token: an HMAC-SHA-256, under a key kept
//! in the database, over the pending authorization request and the time the
//! form was made. A form whose request was altered, or that is older than
//! its lifetime, is refused; nothing about pending requests is kept.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
    lifetime: Duration,
}

impl Signer {
    pub fn new(key: &[u8], lifetime: Duration) -> Signer {
        Signer {
            key: key.to_vec(),
            lifetime,
        }
    }

    fn mac(&self, issued: i64, fields: &[&str]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(b"teetrack-consent-v1");
        mac.update(&issued.to_be_bytes());
        for field in fields {
            // Length-prefixed, so no two field lists sign the same bytes.
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field.as_bytes());
        }
        mac
    }

    /// `<issued>.<signature>` for the request's fields, made at `now`.
    pub fn sign(&self, now: i64, fields: &[&str]) -> String {
        let tag = self.mac(now, fields).finalize().into_bytes();
        format!("{now}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    /// Whether `token` was made by [`Signer::sign`] for exactly these fields,
    /// no longer ago than the lifetime (compared in constant time).
    pub fn verify(&self, token: &str, now: i64, fields: &[&str]) -> bool {
        let Some((issued, tag)) = token.split_once('.') else {
            return false;
        };
        let (Ok(issued), Ok(tag)) = (issued.parse::<i64>(), URL_SAFE_NO_PAD.decode(tag)) else {
            return false;
        };
        let age = now - issued;
        if age < 0 || age > self.lifetime.as_secs() as i64 {
            return false;
        }
        self.mac(issued, fields).verify_slice(&tag).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_fits_only_its_own_fields_and_expires() {
        let signer = Signer::new(b"key", Duration::from_secs(600));
        let token = signer.sign(1000, &["client", "https://a.example/cb"]);
        assert!(signer.verify(&token, 1000, &["client", "https://a.example/cb"]));
        assert!(signer.verify(&token, 1600, &["client", "https://a.example/cb"]));
        assert!(!signer.verify(&token, 1601, &["client", "https://a.example/cb"]));
        assert!(!signer.verify(&token, 1000, &["client", "https://b.example/cb"]));
        assert!(!signer.verify(&token, 1000, &["clienthttps://a.example/cb", ""]));
        let other = Signer::new(b"other key", Duration::from_secs(600));
        assert!(!other.verify(&token, 1000, &["client", "https://a.example/cb"]));
        assert!(!signer.verify("garbage", 1000, &[]));
        let forged = format!("2000.{}", token.split_once('.').unwrap().1);
        assert!(!signer.verify(&forged, 2000, &["client", "https://a.example/cb"]));
    }
}
