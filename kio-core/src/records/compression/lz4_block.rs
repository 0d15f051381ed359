//! An LZ4 *block* compressor with a small hash table, for producers with a
//! few KiB of RAM.
//!
//! `lz4_flex`'s block compressor keeps a 4,096-entry table (8 KiB) on the
//! stack, and its size cannot be chosen; on a microcontroller that table
//! alone is more than the rest of the producer's RAM. This one is the
//! classic greedy LZ4 parse (hash of the next 4 bytes → last position seen,
//! extend the match both ways, emit a sequence) with a table of
//! [`TABLE_ENTRIES`] `u16` positions: 512 bytes of stack. It compresses less
//! well than a larger table on large inputs and about as well on the small,
//! repetitive batches a device sends. Decompression stays with `lz4_flex`.
//!
//! The output is a standard LZ4 block (checked against `lz4_flex`'s decoder
//! in the tests), obeying the format's end-of-block rules: the last 5 bytes
//! are literals and the last match starts at least 12 bytes before the end.

/// log2 of the hash table's entries.
const HASH_LOG: u32 = 8;
/// Entries of the hash table (`u16` positions): 256, 512 bytes.
pub(crate) const TABLE_ENTRIES: usize = 1 << HASH_LOG;
/// The shortest match LZ4 encodes.
const MIN_MATCH: usize = 4;
/// The last match must start at least this many bytes before the end.
const MF_LIMIT: usize = 12;
/// The last bytes of a block are always literals.
const LAST_LITERALS: usize = 5;
/// The largest block this compressor takes: positions are `u16` offsets
/// from the block's start (Kafka's frames use 64 KiB blocks).
pub(crate) const MAX_BLOCK: usize = 1 << 16;

fn read4(src: &[u8], at: usize) -> Option<u32> {
    let b = src.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn hash(seq: u32) -> usize {
    (seq.wrapping_mul(2_654_435_761) >> (32 - HASH_LOG)) as usize
}

/// The output being written; every method returns `None` once `dst` is
/// full, which [`compress_block`] passes on.
struct Out<'a> {
    dst: &'a mut [u8],
    pos: usize,
}

impl Out<'_> {
    fn byte(&mut self, b: u8) -> Option<()> {
        *self.dst.get_mut(self.pos)? = b;
        self.pos += 1;
        Some(())
    }

    fn bytes(&mut self, b: &[u8]) -> Option<()> {
        let end = self.pos.checked_add(b.len())?;
        self.dst.get_mut(self.pos..end)?.copy_from_slice(b);
        self.pos = end;
        Some(())
    }

    /// The 255-run extension of a length whose token nibble is 15.
    fn length(&mut self, mut n: usize) -> Option<()> {
        while n >= 255 {
            self.byte(255)?;
            n -= 255;
        }
        self.byte(n as u8)
    }

    /// One sequence: `literals`, then (unless it is the last) a match of
    /// `len` bytes at distance `offset` back.
    fn sequence(&mut self, literals: &[u8], matched: Option<(u16, usize)>) -> Option<()> {
        let lit = literals.len();
        let m = matched.map_or(0, |(_, len)| len - MIN_MATCH);
        self.byte(((lit.min(15) as u8) << 4) | m.min(15) as u8)?;
        if lit >= 15 {
            self.length(lit - 15)?;
        }
        self.bytes(literals)?;
        if let Some((offset, _)) = matched {
            self.bytes(&offset.to_le_bytes())?;
            if m >= 15 {
                self.length(m - 15)?;
            }
        }
        Some(())
    }
}

/// Compresses `src` (at most [`MAX_BLOCK`] bytes) into `dst` as one LZ4
/// block; returns its length, or `None` when it does not fit in `dst`
/// (give `dst` fewer bytes than `src` to learn whether it shrinks).
pub(crate) fn compress_block(src: &[u8], dst: &mut [u8]) -> Option<usize> {
    if src.len() > MAX_BLOCK {
        return None;
    }
    let mut table = [0u16; TABLE_ENTRIES];
    let mut out = Out { dst, pos: 0 };
    let mut anchor = 0;
    if src.len() > MF_LIMIT {
        let last_start = src.len() - MF_LIMIT;
        let match_end = src.len() - LAST_LITERALS;
        let mut i = 0;
        while i <= last_start {
            let seq = read4(src, i)?;
            let h = hash(seq);
            let cand = usize::from(table[h]);
            table[h] = i as u16;
            if cand >= i || read4(src, cand)? != seq {
                i += 1;
                continue;
            }
            // Extend the match backwards over pending literals, then forwards.
            let (mut s, mut c) = (i, cand);
            while s > anchor && c > 0 && src.get(s - 1) == src.get(c - 1) {
                s -= 1;
                c -= 1;
            }
            let mut len = MIN_MATCH + (i - s);
            while s + len < match_end && src.get(c + len) == src.get(s + len) {
                len += 1;
            }
            let literals = src.get(anchor..s)?;
            out.sequence(literals, Some(((s - c) as u16, len)))?;
            i = s + len;
            anchor = i;
            // The position just before the next one, so runs chain quickly.
            if let Some(prev) = i.checked_sub(2).filter(|&p| p <= last_start) {
                table[hash(read4(src, prev)?)] = prev as u16;
            }
        }
    }
    out.sequence(src.get(anchor..)?, None)?;
    Some(out.pos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn round_trip(src: &[u8]) -> usize {
        let mut dst = vec![0u8; src.len() + src.len() / 255 + 16];
        let n = compress_block(src, &mut dst).expect("fits in the worst-case bound");
        let back = lz4_flex::block::decompress(&dst[..n], src.len()).expect("lz4_flex decodes it");
        assert_eq!(back, src);
        check_end_rules(&dst[..n], src.len());
        n
    }

    /// Walks the block's sequences and checks the format's end rules: the
    /// last sequence is literals only, at least 5 of them when the block
    /// has a match, and the last match starts ≥ 12 bytes before the end.
    fn check_end_rules(block: &[u8], src_len: usize) {
        let (mut i, mut produced, mut last_match_start) = (0usize, 0usize, None);
        let ext = |i: &mut usize, mut n: usize| loop {
            let b = block[*i];
            *i += 1;
            n += usize::from(b);
            if b != 255 {
                return n;
            }
        };
        loop {
            let token = block[i];
            i += 1;
            let mut lit = usize::from(token >> 4);
            if lit == 15 {
                lit = ext(&mut i, lit);
            }
            i += lit;
            produced += lit;
            if i == block.len() {
                break;
            }
            i += 2;
            let mut m = usize::from(token & 15);
            if m == 15 {
                m = ext(&mut i, m);
            }
            last_match_start = Some(produced);
            produced += m + MIN_MATCH;
        }
        assert_eq!(produced, src_len);
        if let Some(start) = last_match_start {
            assert!(
                start + MF_LIMIT <= src_len,
                "last match starts at {start} of {src_len}"
            );
            assert!(produced >= start + LAST_LITERALS);
        }
    }

    #[test]
    fn short_and_empty_inputs_are_literals() {
        for n in 0..=20 {
            round_trip(&vec![7u8; n]);
        }
    }

    #[test]
    fn repetitive_input_shrinks() {
        let src: Vec<u8> = (0..60_000u32)
            .map(|i| b"kio-record-"[i as usize % 11])
            .collect();
        let n = round_trip(&src);
        assert!(n < src.len() / 50, "{n} bytes for {}", src.len());
    }

    #[test]
    fn a_whole_64k_block_of_one_byte() {
        round_trip(&vec![0u8; MAX_BLOCK]);
        assert_eq!(
            compress_block(&vec![0u8; MAX_BLOCK + 1], &mut [0u8; 1024]),
            None
        );
    }

    #[test]
    fn incompressible_input_does_not_fit_in_fewer_bytes() {
        let mut x = 0x1234_5678u32;
        let src: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        round_trip(&src);
        let mut small = vec![0u8; src.len() - 1];
        assert_eq!(compress_block(&src, &mut small), None);
    }

    proptest! {
        #[test]
        fn any_input_round_trips(src in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), any::<u8>()], 0..3000)) {
            round_trip(&src);
        }

        #[test]
        fn any_output_room_is_respected(src in proptest::collection::vec(0u8..4, 0..600), room in 0usize..700) {
            let mut dst = vec![0u8; room];
            if let Some(n) = compress_block(&src, &mut dst) {
                prop_assert!(n <= room);
                let back = lz4_flex::block::decompress(&dst[..n], src.len()).expect("decodes");
                prop_assert_eq!(back, src);
            }
        }
    }
}
