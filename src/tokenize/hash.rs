//! A small, fast, *stable* 64-bit string hash.
//!
//! The vectorizer looks every n-gram up by its hash (no `String` is built on the hot path), and
//! in hashing mode the hash *is* the feature index, stored implicitly in every model: so it must
//! give the same value on every platform, Rust version and run. std's SipHash is randomly keyed
//! and slower on short keys; this is a word-at-a-time multiply-rotate hash with a murmur3 finalizer.

const K: u64 = 0x9E37_79B9_7F4A_7C15;

/// Hashes `bytes`; stable across platforms and releases (part of the model format).
#[inline]
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xCBF2_9CE4_8422_2325 ^ (bytes.len() as u64).wrapping_mul(K);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        h = (h ^ w).wrapping_mul(K).rotate_left(29);
    }
    let rem = chunks.remainder();
    if !rem.is_empty() {
        h = (h ^ tail_word(rem)).wrapping_mul(K).rotate_left(29);
    }
    fmix64(h)
}

/// The key of a word n-gram from its words' [`hash_bytes`] values, folded left to right:
/// `hash_chain(hash_chain(h(a), h(b)), h(c))` for "a b c". In-memory lookup keys only (a
/// vocabulary's table is rebuilt at load), never a feature index: a row's bigrams are then keyed
/// from its tokens' hashes without building their strings.
#[inline]
pub fn hash_chain(prev: u64, next: u64) -> u64 {
    fmix64(prev.wrapping_mul(K).rotate_left(31) ^ next)
}

/// Up to 8 bytes as a little-endian word, zero-padded (what `u64::from_le_bytes` gives on a
/// zero-filled buffer holding them). Two loads that overlap (the first and the last four, or
/// two, bytes: the bytes they share are equal, so or-ing them is exact): copying into a buffer
/// was a libc `memcpy` call for every short key (~1.5% of `stance score`'s CPU time), and a
/// loop over the bytes a branch per byte, mispredicted at a key's varying end.
#[inline]
pub fn tail_word(rem: &[u8]) -> u64 {
    let n = rem.len();
    if n >= 4 {
        let first = u32::from_le_bytes([rem[0], rem[1], rem[2], rem[3]]);
        let last = u32::from_le_bytes([rem[n - 4], rem[n - 3], rem[n - 2], rem[n - 1]]);
        u64::from(first) | u64::from(last) << (8 * (n - 4))
    } else if n >= 2 {
        let first = u16::from_le_bytes([rem[0], rem[1]]);
        let last = u16::from_le_bytes([rem[n - 2], rem[n - 1]]);
        u64::from(first) | u64::from(last) << (8 * (n - 2))
    } else {
        rem.first().map_or(0, |&b| u64::from(b))
    }
}

#[inline]
fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^ (k >> 33)
}

/// A `Hasher` for keys that are already well-mixed hashes (u64) or short strings: maps keyed by
/// [`hash_bytes`] values need no second round of hashing.
#[derive(Default, Clone, Copy)]
pub struct PassThroughHasher(u64);

impl std::hash::Hasher for PassThroughHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0 = hash_bytes(bytes) ^ self.0.rotate_left(5);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = fmix64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = fmix64(n as u64);
    }
}

/// `BuildHasher` for [`PassThroughHasher`].
pub type BuildPassThrough = std::hash::BuildHasherDefault<PassThroughHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_frozen() {
        // Part of the hashing-mode model format: changing the hash breaks every such model.
        let want = [
            ("", 0xefd0_1f60_ba99_2926_u64),
            ("a", 0xcab7_8db0_e2d7_dc4d),
            ("ceasefire", 0x1d8d_46e1_a141_9acc),
            ("w:peace talks", 0x1191_a412_3771_0968),
            ("0123456789abcdef", 0xc0e9_fbf7_cb1a_8e0f),
        ];
        for (s, h) in want {
            assert_eq!(hash_bytes(s.as_bytes()), h, "{s:?}");
        }
        assert_ne!(hash_bytes(b"a"), hash_bytes(b"a\0"));
    }

    #[test]
    fn tail_word_is_the_zero_padded_le_word() {
        for bytes in [
            *b"\x01\x02\x03\x04\x05\x06\x07\x08",
            *b"\xff\xfe\x80\x7f\x00\xff\x01\xff",
        ] {
            for n in 0..=8 {
                let mut buf = [0u8; 8];
                buf[..n].copy_from_slice(&bytes[..n]);
                assert_eq!(tail_word(&bytes[..n]), u64::from_le_bytes(buf), "{n}");
            }
        }
    }
}
