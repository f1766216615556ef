//! A fast hasher for the model's internal maps, keyed by block ids,
//! directive names and location strings: SipHash (std's default, built
//! against hash flooding) was about 5% of a check of a large
//! configuration. This is the multiply-rotate scheme of the Firefox and
//! rustc hashers. Keys come from the configuration being linted, so a
//! crafted file can make lookups slow, never wrong; that is no worse than
//! what a crafted file can do to nginx itself.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;
pub type FastSet<K> = HashSet<K, BuildHasherDefault<FastHasher>>;

#[derive(Default, Clone, Copy)]
pub struct FastHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The tail's length in its unused last byte: "a" and "a\0"
            // differ.
            word[7] = rest.len() as u8;
            self.add(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.add(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    fn hash(s: &str) -> u64 {
        BuildHasherDefault::<FastHasher>::default().hash_one(s)
    }

    /// Strings that differ in any byte, or only in length (the tail word
    /// is zero-padded, str's Hash adds a terminator), hash differently.
    #[test]
    fn different_keys_hash_differently() {
        let keys = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "a\0",
            "proxy_pass",
            "proxy_pas",
            "proxy_passs",
            "12345678",
            "123456789",
            "/ws/",
            "/ws",
        ];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(hash(a), hash(b), "{a:?} vs {b:?}");
            }
        }
        let mut map: FastMap<&str, usize> = FastMap::default();
        for (i, k) in keys.iter().enumerate() {
            map.insert(k, i);
        }
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(map[k], i);
        }
    }
}
