//! Software prefetch: asks the CPU to start loading a cache line that a loop further on will
//! read, without waiting for it.
//!
//! A row's lookups (token records, vocabulary slots, weight rows) land at random in tables of
//! megabytes. Touching them with plain loads in a warm-up loop overlaps some misses, but each
//! load holds a reorder-buffer slot until it arrives, and a loop whose trip count depends on a
//! loaded value (a record's length) mispredicts its exit and serializes the misses anyway. A
//! prefetch retires at once and never faults, so a warm-up loop of prefetches has no
//! dependency on what it loads.

/// Starts loading the cache line of `s[i]` into all cache levels. Any `i` is fine: an address
/// past the slice is never read, only hinted.
#[inline(always)]
#[allow(unsafe_code)]
pub(super) fn prefetch<T>(s: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        let p = s.as_ptr().wrapping_add(i).cast::<i8>();
        // SAFETY: a prefetch is a hint: it reads nothing the program sees, and it never faults,
        // whatever the address (see Intel SDM, PREFETCHh). `sse` is part of the x86_64
        // baseline, so the instruction exists on every target this compiles for.
        unsafe { core::arch::x86_64::_mm_prefetch::<{ core::arch::x86_64::_MM_HINT_T0 }>(p) }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (s, i);
}

#[cfg(test)]
mod tests {
    #[test]
    fn any_index_is_a_harmless_hint() {
        let v = vec![1u64; 16];
        for i in [0, 15, 16, 1 << 20, usize::MAX / 8] {
            super::prefetch(&v, i);
        }
        super::prefetch::<u8>(&[], 12_345);
        assert_eq!(v.iter().sum::<u64>(), 16);
    }
}
