//! The hash functions behind features, MinHash and band keys: written here, with fixed constants, so that
//! their output is the same on every platform, compiler and release (`std`'s `DefaultHasher` promises none
//! of that). None of them is a cryptographic hash.
//!
//! - FNV-1a 64 over bytes (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`), followed by the
//!   MurmurHash3 64-bit finaliser (`fmix64`) to spread FNV's weak low bits: the hash of a feature string
//!   and of a band.
//! - The seeds of the MinHash permutations: the SplitMix64 sequence from [`PERMUTATION_SEED`].
//! - Permutation `i` of a feature hash `h` is `fmix64(h ^ seed[i])`, its top 32 bits kept: `fmix64` is a
//!   bijection of `u64`, so each seed orders the features in its own pseudo-random way.

pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The first state of the SplitMix64 sequence that gives the permutation seeds ("clh-dedu" in ASCII).
pub const PERMUTATION_SEED: u64 = 0x636c_682d_6465_6475;

/// FNV-1a 64, continuing from `state`.
pub(crate) fn fnv1a(mut state: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        state ^= u64::from(b);
        state = state.wrapping_mul(FNV_PRIME);
    }
    state
}

/// MurmurHash3's 64-bit finaliser: a bijection that mixes every input bit into every output bit.
pub(crate) fn fmix64(mut k: u64) -> u64 {
    k ^= k >> 33;
    k = k.wrapping_mul(0xff51_afd7_ed55_8ccd);
    k ^= k >> 33;
    k = k.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    k ^= k >> 33;
    k
}

/// The 64-bit hash of one feature string.
pub fn token_hash(feature: &str) -> u64 {
    fmix64(fnv1a(FNV_OFFSET, feature.as_bytes()))
}

/// One step of SplitMix64.
fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seeds of the first `n` permutations. Seed `i` does not depend on `n`: a signature of 64
/// permutations is the prefix of one of 128.
pub(crate) fn permutation_seeds(n: usize) -> Vec<u64> {
    let mut state = PERMUTATION_SEED;
    (0..n).map(|_| splitmix64(&mut state)).collect()
}

/// Permutation value of feature hash `h` under `seed`.
#[inline]
pub(crate) fn permute(h: u64, seed: u64) -> u32 {
    (fmix64(h ^ seed) >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // FNV-1a 64 reference values (the empty string and "a").
        assert_eq!(fnv1a(FNV_OFFSET, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(FNV_OFFSET, b"a"), 0xaf63_dc4c_8601_ec8c);
        // fmix64 fixes 0; SplitMix64 from 0 gives its published first output.
        assert_eq!(fmix64(0), 0);
        let mut s = 0;
        assert_eq!(splitmix64(&mut s), 0xe220_a839_7b1d_cdaf);
        assert_eq!(permutation_seeds(3)[..2], permutation_seeds(2)[..]);
    }
}
