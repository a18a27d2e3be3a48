//! Linear maps of TF-IDF rows computed without building the rows: what batch scoring needs
//! (each head's scores are such a map), at a fraction of the cost.
//!
//! A row's char block is most of its entries (hundreds of columns, against a few dozen word
//! n-grams), and each entry is one weight fetch after a sort that counts the occurrences. But
//! the char columns of a token never change, so the token cache can keep, next to them, the
//! token's share of the block's weighted sum and squared norm *as if every occurrence were
//! counted once* (`tf(1) = 1`). A row then adds up its tokens' shares and corrects only the
//! columns that occur more than once in it (shared by different tokens, or by a repeated
//! token), replacing `c` occurrences' shares by the `tf(c)` one. Finding those still counts
//! every occurrence: the most frequent columns in a small array (see [`Common`]), the rest in
//! a hash tally. The word block, a few dozen entries, is weighed as usual.
//!
//! The sums are added in another order than [`Projection::accumulate`] over the built row
//! adds them, so results agree to rounding (about 1e-15 relative), not bit for bit; they are
//! still a function of the document alone (no cache state or thread count changes them).

use super::prefetch::prefetch;
use super::sparse::Scalar;
use super::{BlockVocab, FeatureScratch, Norm, Vectorizer};
use crate::tokenize::Block;
use crate::{Col, SparseRow};

/// Per-column weights, `width` per column, feature-major (`w[j * width + c]`), so one column
/// costs one or two cache lines for all outputs.
pub struct Projection {
    /// Process-unique, so that cache records made with one projection's sums are never read
    /// with another's.
    id: u64,
    width: usize,
    w: Weights,
}

/// Weights that are all exact `f32` values (as trained weights are, see
/// [`crate::model::LinearModel::at_storage_precision`]) are kept as `f32`: half the memory
/// traffic, and widening back to `f64` is exact, so the sums are the same.
enum Weights {
    F32(Vec<f32>),
    F64(Vec<f64>),
}

static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Projection {
    /// `weights[j * width + c]` is output `c`'s weight of column `j`. `None` unless `width`
    /// is at least 1 and divides the number of weights.
    pub fn new(width: usize, weights: Vec<f64>) -> Option<Projection> {
        if width == 0 || weights.len() % width != 0 {
            return None;
        }
        let w = if weights.iter().all(|&x| f64::from(x as f32) == x) {
            Weights::F32(weights.into_iter().map(|x| x as f32).collect())
        } else {
            Weights::F64(weights)
        };
        Some(Projection {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            width,
            w,
        })
    }

    /// Outputs per row.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Columns the weights cover.
    pub fn n_features(&self) -> usize {
        let n = match &self.w {
            Weights::F32(w) => w.len(),
            Weights::F64(w) => w.len(),
        };
        n / self.width
    }

    pub(super) fn id(&self) -> u64 {
        self.id
    }

    /// Words a cache record's sums take: the weighted sums, then the squared norm.
    fn sums_len(&self) -> usize {
        self.width + 1
    }

    /// Words a cache record holds after its columns: the sums, then how many of the columns
    /// are common ones (see [`Projection::finish_record`]).
    pub(super) fn record_extra(&self) -> usize {
        self.sums_len() + 1
    }

    /// `acc[c] += v_j * w[j * width + c]` over the row's columns, in column order.
    pub fn accumulate<V: Scalar>(&self, row: SparseRow<'_, V>, acc: &mut [f64]) {
        match &self.w {
            Weights::F32(w) => accumulate(w, self.width, row, acc),
            Weights::F64(w) => accumulate(w, self.width, row, acc),
        }
    }

    /// `acc[c] += scale * w[j * width + c]`.
    #[inline]
    fn add_column(&self, j: usize, scale: f64, acc: &mut [f64]) {
        let k = self.width;
        match &self.w {
            Weights::F32(w) => add_scaled(&w[j * k..(j + 1) * k], scale, acc),
            Weights::F64(w) => add_scaled(&w[j * k..(j + 1) * k], scale, acc),
        }
    }

    /// Rewrites the char columns of a cache record (`rec[cols_start..]`) for projecting: the
    /// common ones first, as their [`Common`] ids, four to a word, then the others (packed);
    /// then the sums of them all, each occurrence counted once (`idf_j * w_j` per output, then
    /// `idf_j^2`, as `f64` bits); then the number of common ones. Returns the words the
    /// columns now take. (Ids a word each made the cache a third larger, and a 2-thread run's
    /// peak memory grew from 100k to 1M rows by 10%, as each thread's cache filled.)
    pub(super) fn finish_record(
        &self,
        v: &Vectorizer,
        cols_start: usize,
        rec: &mut Vec<u64>,
    ) -> usize {
        let (mut ids, mut rare) = (Vec::new(), Vec::new());
        for x in rec.drain(cols_start..) {
            match v.common.id(x) {
                Some(i) => ids.push(i as u64),
                None => rare.push(x),
            }
        }
        let mut sums = vec![0.0; self.sums_len()];
        let (weighted, norm2) = sums.split_at_mut(self.width);
        let common = ids.iter().map(|&i| v.common.packed[i as usize]);
        for x in common.chain(rare.iter().copied()) {
            let idf = v.idf_of(x);
            self.add_column((x >> 32) as usize, idf, weighted);
            norm2[0] += idf * idf;
        }
        rec.extend(ids.chunks(IDS_PER_WORD).map(|c| {
            c.iter()
                .enumerate()
                .fold(0, |w, (k, &id)| w | id << (k as u32 * ID_BITS))
        }));
        rec.extend_from_slice(&rare);
        let n_words = rec.len() - cols_start;
        rec.extend(sums.iter().map(|s| s.to_bits()));
        rec.push(ids.len() as u64);
        n_words
    }
}

/// The char block's most frequent columns (by document frequency, at most [`Common::MAX`]),
/// numbered densely in column order. Short n-grams recur across the tokens of a row, so most
/// of a row's repeated columns are among them (93% of them, and 79% of all occurrences, for the
/// top 4096 in the bench corpus): a projection counts those in a small array, without hashing
/// or branching, and leaves the hash tally the rarer rest, which seldom repeat.
#[derive(Debug, Clone, Default)]
pub(super) struct Common {
    /// Sorted global columns.
    cols: Vec<u32>,
    /// Per id, the packed column (`column << 32 | idf class`).
    packed: Vec<u64>,
}

/// Bits of a packed [`Common`] id, and ids to a record word.
const ID_BITS: u32 = 16;
const IDS_PER_WORD: usize = (u64::BITS / ID_BITS) as usize;
const ID_MASK: usize = (1 << ID_BITS) - 1;
const _: () = assert!(Common::MAX <= 1 << ID_BITS);

impl Common {
    /// Counts stay in L1: 16 KB of `u32`.
    const MAX: usize = 1 << 12;

    /// `classes[k]` are block `k`'s idf classes.
    pub(super) fn new(blocks: &[BlockVocab], classes: &[Vec<u32>]) -> Common {
        let Some((b, class)) = blocks
            .iter()
            .zip(classes)
            .find(|(b, _)| b.block == Block::Char)
        else {
            return Common::default();
        };
        let mut order: Vec<usize> = (0..b.len).collect();
        // the most frequent first, ties by column: deterministic
        let key = |&i: &usize| (std::cmp::Reverse(b.df[i]), i);
        if order.len() > Common::MAX {
            order.select_nth_unstable_by_key(Common::MAX, key);
            order.truncate(Common::MAX);
        }
        order.sort_unstable();
        Common {
            cols: order.iter().map(|&i| (b.offset + i) as u32).collect(),
            packed: order
                .iter()
                .map(|&i| ((b.offset + i) as u64) << 32 | u64::from(class[i]))
                .collect(),
        }
    }

    pub(super) fn len(&self) -> usize {
        self.cols.len()
    }

    fn id(&self, x: u64) -> Option<usize> {
        self.cols.binary_search(&((x >> 32) as u32)).ok()
    }
}

#[inline]
fn add_scaled<W: Copy + Into<f64>>(w: &[W], scale: f64, acc: &mut [f64]) {
    for (o, &wc) in acc.iter_mut().zip(w) {
        *o += scale * wc.into();
    }
}

/// `acc[c] += v_j * w[j * width + c]` over the row's columns, in column order.
///
/// Dispatches to a copy with the width fixed, for the usual widths (all heads' classes
/// together: 9 for three 3-class heads), whose sums run in registers (see
/// [`accumulate_fixed`]).
fn accumulate<W: Copy + Into<f64>, V: Scalar>(
    w: &[W],
    width: usize,
    row: SparseRow<'_, V>,
    acc: &mut [f64],
) {
    // Prefetch each column's weights (their first and last line) in one loop, so that the
    // cache misses overlap, then accumulate from cache.
    for &j in row.indices {
        let j = j as usize;
        prefetch(w, j * width);
        prefetch(w, j * width + width - 1);
    }
    match width {
        2 => accumulate_fixed::<W, V, 2>(w, row, acc),
        3 => accumulate_fixed::<W, V, 3>(w, row, acc),
        4 => accumulate_fixed::<W, V, 4>(w, row, acc),
        5 => accumulate_fixed::<W, V, 5>(w, row, acc),
        6 => accumulate_fixed::<W, V, 6>(w, row, acc),
        8 => accumulate_fixed::<W, V, 8>(w, row, acc),
        9 => accumulate_fixed::<W, V, 9>(w, row, acc),
        _ => {
            for (&j, &v) in row.indices.iter().zip(row.values) {
                let j = j as usize;
                add_scaled(&w[j * width..(j + 1) * width], v.into(), acc);
            }
        }
    }
}

/// [`accumulate`] for width `K`, summing in a local array: summed in `acc` itself, each
/// column waited on the stores of the previous one (a chain through memory). The same
/// additions in the same order, so the same result.
#[inline(always)]
fn accumulate_fixed<W: Copy + Into<f64>, V: Scalar, const K: usize>(
    w: &[W],
    row: SparseRow<'_, V>,
    acc: &mut [f64],
) {
    let mut sum: [f64; K] = std::array::from_fn(|c| acc[c]);
    for (&j, &v) in row.indices.iter().zip(row.values) {
        let j = j as usize;
        let wj = &w[j * K..(j + 1) * K];
        for c in 0..K {
            sum[c] += v.into() * wj[c].into();
        }
    }
    acc[..K].copy_from_slice(&sum);
}

/// A row's projection state: its char records' summed shares, the counts of their common
/// columns (by id: all zero between rows) and the ids counted, and the tally of the others;
/// buffers for its word block's entries.
pub(super) struct ProjScratch {
    sums: Vec<f64>,
    /// `Common::MAX` of them, whatever the number of common columns.
    counts: Vec<u32>,
    /// The ids counted in this row are `touched[..n_touched]`; one slot more, for the
    /// branch-free writes.
    touched: Vec<u32>,
    n_touched: usize,
    /// [`ProjScratch::common_repeats`]'s list: `count << 32 | id`.
    repeats: Vec<u64>,
    /// A row so long (a gigabyte of text, [`ProjScratch::huge_at`] bytes) that a count of its
    /// common columns could overflow: those go to the tally, whose counts saturate.
    huge: bool,
    huge_at: usize,
    tally: Tally,
    indices: Vec<Col>,
    values: Vec<f64>,
}

impl Default for ProjScratch {
    fn default() -> Self {
        ProjScratch {
            sums: Vec::new(),
            counts: Vec::new(),
            touched: Vec::new(),
            n_touched: 0,
            repeats: Vec::new(),
            huge: false,
            // three occurrences a byte stay below `u32::MAX`
            huge_at: (u32::MAX / 4) as usize,
            tally: Tally::default(),
            indices: Vec::new(),
            values: Vec::new(),
        }
    }
}

impl ProjScratch {
    /// `text_len`: the bytes of the row's text (normalized), which bound how many times a
    /// column occurs in it.
    pub(super) fn start(&mut self, p: &Projection, n_common: usize, text_len: usize) {
        // a column occurs at most once per position of a token or chunk padded with two
        // spaces: at most three times per byte of text
        self.huge = text_len >= self.huge_at;
        self.sums.clear();
        self.sums.resize(p.sums_len(), 0.0);
        if self.touched.len() != n_common + 1 {
            self.counts = vec![0; Common::MAX];
            self.touched = vec![0; n_common + 1];
            self.repeats = vec![0; Common::MAX];
        }
        self.n_touched = 0;
        self.tally.start();
    }

    /// Adds one token's char record: its column words (see [`Projection::finish_record`]),
    /// and the words after them (sums as `f64` bits, then the number of common columns).
    #[inline]
    pub(super) fn take(&mut self, cols: &[u64], extra: &[u64], common_cols: &Common) {
        let (sums, n_common) = extra.split_at(extra.len() - 1);
        for (s, &b) in self.sums.iter_mut().zip(sums) {
            *s += f64::from_bits(b);
        }
        let n_common = n_common[0] as usize;
        let (common, rare) = cols.split_at(n_common.div_ceil(IDS_PER_WORD));
        if self.huge {
            self.tally_common(common, n_common, common_cols);
        } else {
            self.count_common(common, n_common);
        }
        for &x in rare {
            self.tally.add(x);
        }
    }

    /// In a [`ProjScratch::huge`] row, a record's common ids go to the tally as columns.
    #[cold]
    #[inline(never)]
    fn tally_common(&mut self, common: &[u64], n_common: usize, common_cols: &Common) {
        let ids = common
            .iter()
            .flat_map(|&w| (0..IDS_PER_WORD).map(move |k| (w >> (k as u32 * ID_BITS)) as usize))
            .take(n_common);
        for id in ids {
            self.tally.add(common_cols.packed[id & ID_MASK]);
        }
    }

    /// Counts a record's common ids (`n_common` of them, packed in `common`), listing the ones
    /// new to the row. A count cannot overflow in a row that is not [`ProjScratch::huge`].
    #[inline]
    fn count_common(&mut self, common: &[u64], n_common: usize) {
        // (in locals, so that they stay in registers across the writes to the arrays)
        let counts: &mut [u32; Common::MAX] = (&mut self.counts[..])
            .try_into()
            .expect("counts are sized at start");
        let touched = &mut self.touched[..];
        let mut n = self.n_touched;
        let mut count = |w: u64, k: usize| {
            // an id is below `Common::MAX`: the mask only spares the bounds check
            let id = (w >> (k as u32 * ID_BITS)) as usize & (Common::MAX - 1);
            let c = &mut counts[id];
            let old = *c;
            *c = old + 1;
            touched[n] = id as u32;
            n += usize::from(old == 0);
        };
        // whole words of ids unrolled, then the last one's
        let full = n_common / IDS_PER_WORD;
        for &w in &common[..full] {
            for k in 0..IDS_PER_WORD {
                count(w, k);
            }
        }
        if let Some(&w) = common.get(full) {
            for k in 0..n_common % IDS_PER_WORD {
                count(w, k);
            }
        }
        self.n_touched = n;
    }

    /// The common columns counted more than once, with their counts; zeroes every count.
    ///
    /// The repeated ones are picked out first without a branch: which of a row's columns
    /// repeat is as good as random, and callgrind's branch simulation counts 43 fewer
    /// mispredictions a row without that branch (1.42M against 0.14M over 30k rows).
    fn common_repeats(&mut self, common: &Common, mut f: impl FnMut(u64, u64)) {
        let counts: &mut [u32; Common::MAX] = (&mut self.counts[..])
            .try_into()
            .expect("counts are sized at start");
        let repeats: &mut [u64; Common::MAX] = (&mut self.repeats[..])
            .try_into()
            .expect("repeats are sized at start");
        let mut n = 0;
        for &id in &self.touched[..self.n_touched] {
            let id = id as usize & (Common::MAX - 1);
            let c = std::mem::take(&mut counts[id]);
            // below `n_touched`, so below `Common::MAX`: the mask only spares the bounds check
            repeats[n & (Common::MAX - 1)] = u64::from(c) << 32 | id as u64;
            n += usize::from(c > 1);
        }
        for &r in &self.repeats[..n] {
            f(common.packed[r as u32 as usize], r >> 32);
        }
        self.n_touched = 0;
    }
}

/// Occurrence counts of one row's packed columns, in an open-addressing table of
/// `(column, row stamp << 32 | count)`, at most half full, reused across rows: a slot stamped
/// by an earlier row is empty, so starting a row costs nothing. The columns that reach a count
/// of two are listed as they do (so in an order fixed by the row alone).
///
/// (A branch-free add, writing the slot and the list either way and advancing by flags, was
/// slower: 2.19-2.45 s against 2.11-2.25 s scoring 100k rows.)
#[derive(Default)]
struct Tally {
    slots: Vec<(u64, u64)>,
    /// `64 - log2(slots.len())`: the slot of a column is the top bits of a multiplicative hash.
    shift: u32,
    stamp: u64,
    live: usize,
    dups: Vec<u64>,
}

const COUNT_MASK: u64 = 0xffff_ffff;

impl Tally {
    fn start(&mut self) {
        if self.slots.is_empty() {
            self.resize(1 << 10);
        }
        self.stamp += 1;
        if self.stamp > COUNT_MASK {
            self.slots.iter_mut().for_each(|s| *s = (0, 0));
            self.stamp = 1;
        }
        self.live = 0;
        self.dups.clear();
    }

    fn resize(&mut self, n: usize) {
        self.slots = vec![(0, 0); n];
        self.shift = 64 - n.trailing_zeros();
    }

    #[inline]
    fn slot(&self, x: u64) -> usize {
        (x.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    #[inline(always)]
    fn add(&mut self, x: u64) {
        let mask = self.slots.len() - 1;
        let stamp = self.stamp << 32;
        let mut i = self.slot(x);
        loop {
            let (k, m) = self.slots[i];
            if m & !COUNT_MASK != stamp {
                self.slots[i] = (x, stamp | 1);
                self.live += 1;
                if self.live * 2 > self.slots.len() {
                    self.grow();
                }
                return;
            }
            if k == x {
                if m & COUNT_MASK == 1 {
                    self.dups.push(x);
                }
                // saturates rather than spill into the stamp (4 billion occurrences)
                self.slots[i].1 = m + u64::from(m & COUNT_MASK != COUNT_MASK);
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Doubles the table, keeping this row's entries.
    fn grow(&mut self) {
        let stamp = self.stamp << 32;
        let old = std::mem::take(&mut self.slots);
        self.resize(old.len() * 2);
        let mask = self.slots.len() - 1;
        for (k, m) in old.into_iter().filter(|&(_, m)| m & !COUNT_MASK == stamp) {
            let mut i = self.slot(k);
            while self.slots[i].1 & !COUNT_MASK == stamp {
                i = (i + 1) & mask;
            }
            self.slots[i] = (k, m);
        }
    }

    /// The count of a column added in this row.
    fn count(&self, x: u64) -> u64 {
        let mask = self.slots.len() - 1;
        let mut i = self.slot(x);
        while self.slots[i].0 != x {
            i = (i + 1) & mask;
        }
        self.slots[i].1 & COUNT_MASK
    }
}

impl Vectorizer {
    /// Adds `sum_j v_j * w[j * width + c]` to `out[c]`, for the TF-IDF row `v` of `doc`: what
    /// [`Projection::accumulate`] over [`Vectorizer::transform_into`]'s row adds, to rounding,
    /// at a fraction of the cost (see the module doc).
    ///
    /// # Panics
    /// When the projection covers fewer columns than the vectorizer has, or `out` is narrower
    /// than the projection.
    pub fn project_into(&self, doc: &str, s: &mut FeatureScratch, p: &Projection, out: &mut [f64]) {
        assert!(
            out.len() >= p.width,
            "projection into {} outputs, narrower than its {}",
            out.len(),
            p.width
        );
        self.project_rows([doc], s, p, &mut out[..p.width]);
    }

    /// [`Vectorizer::project_into`] for each of `docs` in turn, `out` holding one row of
    /// `p.width()` outputs per document, in order: the same sums, bit for bit, sooner, as
    /// each document's cache lookups are prepared while the one before is projected.
    ///
    /// # Panics
    /// When the projection covers fewer columns than the vectorizer has, or `out` has fewer
    /// rows than there are `docs` (no documents and no rows is fine).
    pub fn project_rows<'d>(
        &self,
        docs: impl IntoIterator<Item = &'d str>,
        s: &mut FeatureScratch,
        p: &Projection,
        out: &mut [f64],
    ) {
        assert!(
            p.n_features() >= self.n_features(),
            "projection of {} columns, for {} features",
            p.n_features(),
            self.n_features()
        );
        let mut rows = out.chunks_exact_mut(p.width);
        self.each_gathered(docs, s, Some(p), |k, s| {
            let out = rows
                .next()
                .unwrap_or_else(|| panic!("only {k} output rows for more documents"));
            self.finish_projection(s, p, out);
        });
    }

    /// The rest of a row's projection, once gathered.
    fn finish_projection(&self, s: &mut FeatureScratch, p: &Projection, out: &mut [f64]) {
        // the word block: a few dozen occurrences, weighed as usual
        let (mut indices, mut values) = (
            std::mem::take(&mut s.proj.indices),
            std::mem::take(&mut s.proj.values),
        );
        indices.clear();
        values.clear();
        self.weigh(s, &mut indices, &mut values);
        p.accumulate(
            SparseRow {
                indices: &indices,
                values: &values,
            },
            out,
        );
        let ps = &mut s.proj;
        (ps.indices, ps.values) = (indices, values);
        // the char block: its tokens' shares, corrected where a column occurs c > 1 times
        // (c shares of `idf * w` become one of `tf(c) * idf * w`)
        let mut n2 = ps.sums[p.width];
        let (mut indices, mut values) = (
            std::mem::take(&mut ps.indices),
            std::mem::take(&mut ps.values),
        );
        indices.clear();
        values.clear();
        let mut correct = |x: u64, c: u64| {
            let (tf, idf, cf) = (self.tf(c), self.idf_of(x), c as f64);
            n2 += (tf * tf - cf) * idf * idf;
            let scale = (tf - cf) * idf;
            if scale != 0.0 {
                indices.push((x >> 32) as Col);
                values.push(scale);
            }
        };
        ps.common_repeats(&self.common, &mut correct);
        for &x in &ps.tally.dups {
            correct(x, ps.tally.count(x));
        }
        let weighted = &mut ps.sums[..p.width];
        let fix = SparseRow {
            indices: &indices,
            values: &values,
        };
        p.accumulate(fix, weighted);
        (ps.indices, ps.values) = (indices, values);
        let norm = if self.config.norm == Norm::L2 && n2 > 0.0 {
            n2.sqrt()
        } else {
            1.0
        };
        for (o, &v) in out.iter_mut().zip(weighted.iter()) {
            *o += v / norm;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{configs, fixture_docs, tricky};
    use super::*;
    use crate::vectorize::VectorizerConfig;

    /// Weights from a fixed sequence (a splitmix64 stream), in `[-1, 1)`; rounded to `f32`
    /// values when `f32` (the table then keeps them as `f32`).
    fn weights(n: usize, width: usize, f32: bool) -> Vec<f64> {
        let mut z = 0x0123_4567_89ab_cdefu64;
        (0..n * width)
            .map(|_| {
                z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut x = z;
                x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
                x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
                let v = ((x ^ (x >> 31)) >> 11) as f64 / (1u64 << 52) as f64 - 1.0;
                if f32 {
                    f64::from(v as f32)
                } else {
                    v
                }
            })
            .collect()
    }

    /// The docs: the fixture, the tricky strings, and one long document of them all (over a
    /// thousand distinct columns, so the tally grows within a row).
    fn docs() -> Vec<String> {
        let mut docs = fixture_docs();
        docs.extend(tricky());
        docs.push(docs.join(" "));
        docs
    }

    /// Every config of the vectorizer tests, plus ones without idf and without norm.
    fn all_configs() -> Vec<VectorizerConfig> {
        let mut v = configs();
        v.push(VectorizerConfig {
            use_idf: false,
            ..VectorizerConfig::default()
        });
        v.push(VectorizerConfig {
            norm: Norm::None,
            ..VectorizerConfig::default()
        });
        v
    }

    #[test]
    fn projection_equals_the_built_row_to_rounding() {
        let docs = docs();
        for cfg in all_configs() {
            let (v, _) = Vectorizer::fit(cfg.clone(), &docs[..docs.len() / 2]).unwrap();
            // the last: every row taken as too long to count in the array (see `huge`)
            for (width, f32, huge) in [(9, true, false), (3, false, false), (7, true, true)] {
                let p = Projection::new(width, weights(v.n_features(), width, f32)).unwrap();
                let mut s = FeatureScratch::default();
                if huge {
                    s.proj.huge_at = 1;
                }
                let (mut i, mut x) = (Vec::new(), Vec::<f64>::new());
                for (k, d) in docs.iter().enumerate() {
                    v.transform_into(d, &mut s, &mut i, &mut x);
                    let mut want = vec![0.5; width];
                    p.accumulate(
                        SparseRow {
                            indices: &i,
                            values: &x,
                        },
                        &mut want,
                    );
                    let mut got = vec![0.5; width];
                    v.project_into(d, &mut s, &p, &mut got);
                    // the scale of the terms summed: without norm, a long row sums large ones
                    let scale = 1.0 + x.iter().map(|v| v.abs()).sum::<f64>();
                    for (g, w) in got.iter().zip(&want) {
                        assert!(
                            (g - w).abs() <= 1e-13 * scale,
                            "{cfg:?} width {width} huge {huge}, doc {k}: {got:?} vs {want:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn cache_state_never_changes_projections() {
        let docs = docs();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for cfg in all_configs() {
            let (v, _) = Vectorizer::fit(cfg, &docs).unwrap();
            let p = Projection::new(9, weights(v.n_features(), 9, true)).unwrap();
            let other = Projection::new(3, weights(v.n_features(), 3, false)).unwrap();
            let mut warm = FeatureScratch::default();
            let project = |d: &str, s: &mut FeatureScratch, p: &Projection| {
                let mut out = vec![0.0; p.width()];
                v.project_into(d, s, p, &mut out);
                bits(&out)
            };
            let want: Vec<_> = docs.iter().map(|d| project(d, &mut warm, &p)).collect();
            // a cache that fills up (by words: records carry the sums) and empties itself
            let mut small = FeatureScratch::default();
            small.cache.bounds.1 = 2_000;
            for (k, d) in docs.iter().enumerate() {
                assert_eq!(project(d, &mut small, &p), want[k], "small cache, doc {k}");
            }
            assert!(small.cache.clears > 0);
            for (k, d) in docs.iter().enumerate() {
                assert_eq!(project(d, &mut warm, &p), want[k], "warm doc {k}");
                let mut fresh = FeatureScratch::default();
                assert_eq!(project(d, &mut fresh, &p), want[k], "fresh doc {k}");
                // a scratch whose cache holds another projection's sums, or none
                project(&docs[(k + 1) % docs.len()], &mut warm, &other);
                let (mut i, mut x) = (Vec::new(), Vec::<f64>::new());
                v.transform_into(&docs[k / 2], &mut fresh, &mut i, &mut x);
                assert_eq!(project(d, &mut fresh, &p), want[k], "after a transform {k}");
            }
        }
    }

    #[test]
    fn rows_projected_in_turn_equal_rows_projected_alone_bit_for_bit() {
        let docs = docs();
        for cfg in all_configs() {
            let (v, _) = Vectorizer::fit(cfg.clone(), &docs[..docs.len() / 2]).unwrap();
            let p = Projection::new(9, weights(v.n_features(), 9, true)).unwrap();
            let mut alone = Vec::new();
            for (k, d) in docs.iter().enumerate() {
                let mut out = vec![k as f64; 9];
                v.project_into(d, &mut FeatureScratch::default(), &p, &mut out);
                alone.extend(out.iter().map(|x| x.to_bits()));
            }
            // in turn, through one scratch: each row's lookups prepared during the one before
            // (and the cache warm, then filling up and emptying itself, on the second pass)
            let mut s = FeatureScratch::default();
            s.cache.bounds.1 = 2_000;
            for pass in 0..2 {
                let mut out: Vec<f64> = (0..docs.len() * 9).map(|i| (i / 9) as f64).collect();
                v.project_rows(docs.iter().map(String::as_str), &mut s, &p, &mut out);
                let got: Vec<u64> = out.iter().map(|x| x.to_bits()).collect();
                assert!(got == alone, "{cfg:?} pass {pass}");
            }
            assert!(s.cache.clears > 0);
            // no documents, no rows (a batch's job of error rows only)
            v.project_rows(std::iter::empty(), &mut s, &p, &mut []);
        }
    }

    #[test]
    #[should_panic(expected = "output rows for more documents")]
    fn projecting_more_rows_than_outputs_panics() {
        let docs = docs();
        let (v, _) = Vectorizer::fit(VectorizerConfig::default(), &docs).unwrap();
        let p = Projection::new(3, weights(v.n_features(), 3, true)).unwrap();
        let mut out = vec![0.0; 3];
        v.project_rows(
            ["one doc", "two docs"],
            &mut FeatureScratch::default(),
            &p,
            &mut out,
        );
    }

    #[test]
    fn tally_counts_every_column_and_lists_repeats_once_in_order() {
        let mut t = Tally::default();
        for round in 0..3u64 {
            t.start();
            // 5000 distinct columns (the table grows from 1024 slots), each `x % 4 + 1` times
            let cols: Vec<u64> = (0..5000u64)
                .map(|c| ((c * 7919 + round) << 32) | (c % 5))
                .collect();
            let mut want_dups = Vec::new();
            for rep in 0..4 {
                for (c, &x) in cols.iter().enumerate() {
                    if rep <= c % 4 {
                        t.add(x);
                        if rep == 1 {
                            want_dups.push(x);
                        }
                    }
                }
            }
            assert_eq!(t.dups, want_dups, "round {round}");
            for (c, &x) in cols.iter().enumerate() {
                assert_eq!(t.count(x), (c % 4 + 1) as u64, "round {round}, column {c}");
            }
        }
        assert!(t.slots.len() >= 2 * 5000);
    }

    #[test]
    fn common_columns_are_the_most_frequent_char_columns_in_column_order() {
        let block = |block, offset: usize, df: Vec<u32>| BlockVocab {
            block,
            offset,
            len: df.len(),
            terms: vec![],
            idf: vec![1.0; df.len()],
            df,
        };
        let n = Common::MAX + 904;
        let df: Vec<u32> = (0..n as u32).map(|i| (i * 7919) % 1000).collect();
        let blocks = [
            block(Block::Word, 0, vec![5; 10]),
            block(Block::Char, 10, df.clone()),
        ];
        let classes = [
            vec![0; 10],
            (0..n as u32).map(|i| i % 3).collect::<Vec<_>>(),
        ];
        let c = Common::new(&blocks, &classes);
        let mut want: Vec<usize> = (0..n).collect();
        want.sort_by_key(|&i| (std::cmp::Reverse(df[i]), i));
        want.truncate(Common::MAX);
        want.sort_unstable();
        assert_eq!(c.len(), Common::MAX);
        for (id, &i) in want.iter().enumerate() {
            let x = ((10 + i) as u64) << 32 | u64::from(classes[1][i]);
            assert_eq!((c.id(x), c.packed[id]), (Some(id), x));
        }
        // a word column, and a char column left out, are not common
        assert_eq!(c.id(3 << 32), None);
        let out = (0..n).find(|i| want.binary_search(i).is_err()).unwrap();
        assert_eq!(c.id(((10 + out) as u64) << 32), None);
        // without a char block, nothing is
        assert_eq!(Common::new(&blocks[..1], &classes[..1]).len(), 0);
    }

    #[test]
    fn a_short_or_wrong_projection_is_refused() {
        assert!(Projection::new(0, vec![]).is_none());
        assert!(Projection::new(3, vec![0.0; 10]).is_none());
        let p = Projection::new(2, vec![0.25, 0.1]).unwrap();
        assert_eq!((p.width(), p.n_features()), (2, 1));
    }
}
