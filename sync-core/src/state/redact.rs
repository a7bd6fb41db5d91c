//! Keeping secrets out of logs, pages and error messages.
//!
//! Contract: [`redact`] replaces every occurrence of each given secret in a text with
//! [`REDACTED`] — the secret as written, and as it appears inside an HTTP Basic
//! `Authorization` header (ChartMogul's API key is sent as the Basic user name, so a logged
//! header carries `base64(key + ":")`). Nothing in the state module calls it behind the
//! caller's back: whoever holds the secrets passes them in.

/// What a secret is replaced with.
pub const REDACTED: &str = "[redacted]";

/// `text` with every occurrence of each non-empty secret (and of its Basic-auth encodings)
/// replaced by [`REDACTED`]. Where secrets overlap, the longest match at a position wins; the
/// text is scanned once, so a replacement is never itself searched again.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut needles: Vec<String> = Vec::new();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        needles.push(secret.to_string());
        needles.push(base64(secret.as_bytes()));
        needles.push(base64(format!("{secret}:").as_bytes()));
    }
    needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    needles.dedup();
    if needles.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'scan: while !rest.is_empty() {
        for n in &needles {
            if let Some(after) = rest.strip_prefix(n.as_str()) {
                out.push_str(REDACTED);
                rest = after;
                continue 'scan;
            }
        }
        let ch = rest.chars().next().unwrap_or_default();
        out.push(ch);
        rest = &rest[ch.len_utf8()..];
    }
    out
}

/// Standard base64 with padding (RFC 4648 §4), as HTTP Basic authentication uses.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648_vectors() {
        for (plain, encoded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), encoded);
        }
    }

    #[test]
    fn secrets_and_their_basic_auth_form_are_removed() {
        let key = "sk_live_0123456789";
        let header = format!(
            "Authorization: Basic {}",
            base64(format!("{key}:").as_bytes())
        );
        assert_eq!(
            redact(&format!("key={key}; {header}"), &[key]),
            "key=[redacted]; Authorization: Basic [redacted]"
        );
        assert_eq!(redact("nothing here", &[key, ""]), "nothing here");
        assert_eq!(redact("ab abc", &["ab", "abc"]), "[redacted] [redacted]");
        assert_eq!(redact("Zürich ü", &["ü"]), "Z[redacted]rich [redacted]");
    }
}
