//! Passwords: the policy a new one must meet, and Argon2id (memory-hard, the
//! `argon2` crate's defaults: 19 MiB, 2 passes, 1 lane) to store and check
//! it. The PHC string keeps the salt and parameters, so stronger defaults
//! later still verify old hashes.

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::RngCore as _;

/// At least this many characters (NIST SP 800-63B asks for 8; a manager's
/// passphrase is longer anyway).
pub const MIN_CHARS: usize = 10;
/// At most this many bytes: a bound on what a request makes us hash.
pub const MAX_BYTES: usize = 256;

/// Why a new password is refused, in words for the form.
pub fn check_policy(password: &str, email: &str) -> Result<(), String> {
    if password.chars().count() < MIN_CHARS {
        return Err(format!(
            "The password must have at least {MIN_CHARS} characters."
        ));
    }
    if password.len() > MAX_BYTES {
        return Err(format!("The password must be at most {MAX_BYTES} bytes."));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err("The password must not be your email address.".into());
    }
    Ok(())
}

/// The PHC string of `password` with a fresh salt.
pub fn hash(password: &str) -> Result<String, String> {
    // 16 random bytes from the OS-seeded generator, the salt size the PHC
    // format recommends.
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let salt =
        SaltString::encode_b64(&bytes).map_err(|err| format!("cannot make a salt: {err}"))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| format!("cannot hash the password: {err}"))
}

/// Whether `password` matches the stored PHC string; a malformed one never does.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.len() > MAX_BYTES {
        return false;
    }
    PasswordHash::new(phc).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Checks `password` against a hash no password matches: an unknown email,
/// or a user without a password, costs the time a wrong password does, so
/// timing does not tell which emails have accounts.
pub fn verify_nothing(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("not a password anyone has").unwrap_or_default());
    let _ = verify(password, dummy);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only_and_is_salted() {
        let one = hash("correct horse battery").unwrap();
        let two = hash("correct horse battery").unwrap();
        assert!(one.starts_with("$argon2id$"), "{one}");
        assert_ne!(one, two, "a fresh salt each time");
        assert!(verify("correct horse battery", &one));
        assert!(verify("correct horse battery", &two));
        assert!(!verify("correct horse batterY", &one));
        assert!(!verify("", &one));
        assert!(!verify("correct horse battery", "not a phc string"));
    }

    #[test]
    fn the_policy_names_what_is_wrong() {
        assert!(check_policy("short", "a@b.c").unwrap_err().contains("10"));
        assert!(
            check_policy(&"x".repeat(300), "a@b.c")
                .unwrap_err()
                .contains("256")
        );
        assert!(
            check_policy("ada@example.com", "ADA@example.com")
                .unwrap_err()
                .contains("email")
        );
        assert!(check_policy("a long enough passphrase", "a@b.c").is_ok());
    }
}
