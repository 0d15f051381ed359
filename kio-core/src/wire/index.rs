//! A decode index in storage the caller supplies (feature `index`).
//!
//! Kafka's arrays say how many elements they hold, not how many bytes: to
//! reach the field after an array of structs, or the next element, a
//! decoder must walk every element. Plain [`Message::decode`] validates the
//! whole message once (one walk) and iteration walks again: iterating the
//! topics of a `MetadataResponse` walks each topic's partitions to find the
//! topic's fields after them, and iterating the partitions walks them once
//! more, each partition's position known only once the previous one has
//! been parsed.
//!
//! [`Message::decode_indexed`] writes, during its validating walk, where
//! every element of every array of variable-size elements ends into slots
//! the caller supplies (as `httparse` fills a caller's header array).
//! Iteration then starts each element at a known offset: the topic iterator
//! jumps over a topic's partitions, and the partitions are read
//! independently of each other (the CPU overlaps them) instead of one after
//! the other. Nothing is allocated; nothing changes in the values or in how
//! they are walked.
//!
//! # How many slots
//!
//! Two per array of structs (or of strings, or of other variable-size
//! elements) plus two per element of such arrays; arrays of fixed-size
//! elements (`int32`, `uuid`, ...) need none. A `MetadataResponse` with 20
//! brokers and 100 topics of 12 partitions needs `2 + 2·20 + 2 + 2·100 +
//! 100 · (2 + 2·12) = 2,844` slots (11.4 KB). [`Message::index_slots`] says
//! how many a message needs. When the slots run out, decoding still
//! succeeds: the arrays that did not fit are walked as without an index.
//!
//! ```
//! # #[cfg(feature = "index")] {
//! use kio_core::messages::MetadataResponse;
//! use kio_core::wire::Index;
//! use kio_core::Message;
//!
//! # let bytes = MetadataResponse::default().to_vec(12).unwrap();
//! let mut index = Index::<4096>::new(); // 16 KiB, reusable: on the stack or in a static
//! let response = MetadataResponse::decode_indexed(&bytes, 12, index.slots())?;
//! for topic in response.topics.iter() {
//!     for partition in topic.partitions.iter() {
//!         let _ = (partition.leader_id, partition.replica_nodes.len());
//!     }
//! }
//! # }
//! # Ok::<(), kio_core::DecodeError>(())
//! ```
//!
//! # Layout
//!
//! The slots are written in the order a decoder meets the arrays (which is
//! the order of their bytes). An array of `n` variable-size elements whose
//! block starts at slot `h` holds:
//!
//! | slot | value |
//! |---|---|
//! | `h` | the absolute offset of the array's first element (checked on use) |
//! | `h + 1` | the slot just past this array's block and every nested block |
//! | `h + 2 + 2i` | the absolute offset just past element `i` |
//! | `h + 3 + 2i` | the slot where element `i`'s nested blocks start |
//!
//! A reader that finds no block where it expects one (a different start
//! offset, or no slots left) walks the array as plain decoding does, so a
//! missing or partial index changes speed, never results.
//!
//! [`Message::decode`]: crate::Message::decode
//! [`Message::decode_indexed`]: crate::Message::decode_indexed
//! [`Message::index_slots`]: crate::Message::index_slots

use core::sync::atomic::{AtomicU32, Ordering::Relaxed};

/// One slot of a decode index (see the [module docs](self)).
///
/// An atomic so that a decoded message, which refers to its index, stays
/// `Send` and `Sync`; it is only ever written by the decode that borrows it
/// exclusively, and read with plain (relaxed) loads.
pub type IndexSlot = AtomicU32;

/// `N` index slots, zeroed, for [`Message::decode_indexed`]
/// (`4 × N` bytes; reuse one for every decode).
///
/// [`Message::decode_indexed`]: crate::Message::decode_indexed
pub struct Index<const N: usize> {
    slots: [AtomicU32; N],
}

impl<const N: usize> Index<N> {
    /// `N` zeroed slots.
    pub const fn new() -> Self {
        Self {
            slots: [const { AtomicU32::new(0) }; N],
        }
    }

    /// The slots, for one decode at a time.
    pub fn slots(&mut self) -> &mut [IndexSlot] {
        &mut self.slots
    }
}

impl<const N: usize> Default for Index<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> core::fmt::Debug for Index<N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Index<{N}>")
    }
}

/// What a [`crate::Reader`] knows of the index: the slots, where the next
/// array's block is (or goes), and where this reader's part of the index
/// ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cursor<'a> {
    slots: &'a [AtomicU32],
    /// The slot of the next array's block.
    at: u32,
    /// Slots at or past this hold nothing for this reader (while
    /// recording: the capacity, lowered to `at` once it ran out).
    end: u32,
    /// Writing blocks (the validating walk) rather than reading them
    /// (with no slots: only counting them).
    recording: bool,
}

impl<'a> Cursor<'a> {
    /// No index: every array is walked.
    pub(crate) const NONE: Cursor<'static> = Cursor {
        slots: &[],
        at: 0,
        end: 0,
        recording: false,
    };

    /// A cursor that records blocks into `slots`.
    pub(crate) fn recording(slots: &'a [AtomicU32]) -> Self {
        Cursor {
            slots,
            at: 0,
            end: u32::try_from(slots.len()).unwrap_or(u32::MAX),
            recording: true,
        }
    }

    /// A cursor that only counts the slots blocks would take.
    pub(crate) fn counting() -> Self {
        Cursor {
            slots: &[],
            at: 0,
            end: u32::MAX,
            recording: true,
        }
    }

    /// A cursor that reads the blocks in `slots[at..end]`.
    pub(crate) fn reading(slots: &'a [AtomicU32], at: u32, end: u32) -> Self {
        Cursor {
            slots,
            at,
            end,
            recording: false,
        }
    }

    /// The slots (empty without an index).
    #[inline(always)]
    pub(crate) fn slots(&self) -> &'a [AtomicU32] {
        self.slots
    }

    /// The slot of the next block (after recording: the slots used).
    pub(crate) fn at(&self) -> u32 {
        self.at
    }

    /// `true` when this cursor may have blocks to read.
    #[inline(always)]
    pub(crate) fn readable(&self) -> bool {
        !self.recording && self.at < self.end
    }

    #[inline(always)]
    fn get(&self, slot: u32) -> Option<u32> {
        Some(self.slots.get(slot as usize)?.load(Relaxed))
    }

    #[inline(always)]
    fn put(&self, slot: u32, value: u32) {
        if let Some(s) = self.slots.get(slot as usize) {
            s.store(value, Relaxed);
        }
    }

    /// Reserves the block of an array of `len` variable-size elements
    /// whose first element is at absolute offset `start`: its first slot,
    /// or `None` (not recording, or no room: then nothing more is
    /// recorded, and the arrays without a block are walked when read).
    #[inline(always)]
    pub(crate) fn reserve(&mut self, start: usize, len: usize) -> Option<Block> {
        if !self.recording {
            return None;
        }
        let size = u32::try_from(len)
            .ok()
            .and_then(|n| n.checked_mul(2))
            .and_then(|n| n.checked_add(2));
        let start = u32::try_from(start).ok();
        match (size, start) {
            (Some(size), Some(start)) if self.end - self.at >= size => {
                let h = self.at;
                self.at += size;
                self.put(h, start);
                Some(Block { h })
            }
            _ => {
                // Out of room: record nothing more.
                self.end = self.at;
                None
            }
        }
    }

    /// Element `i` of the block `b` starts here: notes where its nested
    /// blocks start.
    #[inline(always)]
    pub(crate) fn element_start(&self, b: Block, i: usize) {
        self.put(b.h + 3 + 2 * i as u32, self.at);
    }

    /// Element `i` of the block `b` ends at absolute offset `end`.
    #[inline(always)]
    pub(crate) fn element_end(&self, b: Block, i: usize, end: usize) {
        self.put(b.h + 2 + 2 * i as u32, end as u32);
    }

    /// The block `b` and its nested blocks are complete.
    #[inline(always)]
    pub(crate) fn close(&self, b: Block) {
        self.put(b.h + 1, self.at);
    }

    /// The block of the array of `len` elements starting at absolute offset
    /// `start`, if this cursor holds it: the absolute offset where the
    /// array's bytes end. Moves the cursor past the block.
    #[inline(always)]
    pub(crate) fn take(&mut self, start: usize, len: usize) -> Option<(u32, usize)> {
        if !self.readable() || self.get(self.at)? as usize != start {
            return None;
        }
        let h = self.at;
        let after = self.get(h + 1)?;
        let last = u32::try_from(len).ok()?.checked_mul(2)?.checked_add(h)?;
        if after > self.end || after < last.checked_add(2)? {
            return None;
        }
        let end = if len == 0 {
            start
        } else {
            self.get(last)? as usize
        };
        if end < start {
            return None;
        }
        self.at = after;
        Some((h, end))
    }

    /// Where element `i` of the `len` elements of the block at `h` lies:
    /// (start, end) absolute offsets and the cursor over its nested blocks.
    /// `start` is the array's first byte.
    #[inline(always)]
    pub(crate) fn element(
        slots: &'a [AtomicU32],
        h: u32,
        i: u32,
        len: u32,
        first: usize,
    ) -> Option<(usize, usize, Cursor<'a>)> {
        let c = Cursor::reading(slots, 0, 0);
        let k = h.checked_add(i.checked_mul(2)?)?.checked_add(2)?;
        let start = if i == 0 {
            first
        } else {
            c.get(k - 2)? as usize
        };
        let end = c.get(k)? as usize;
        let sub_at = c.get(k + 1)?;
        let sub_end = if i + 1 < len {
            c.get(k + 3)?
        } else {
            c.get(h + 1)?
        };
        if end < start || sub_end < sub_at {
            return None;
        }
        Some((start, end, Cursor::reading(slots, sub_at, sub_end)))
    }
}

/// A block reserved by [`Cursor::reserve`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Block {
    h: u32,
}
