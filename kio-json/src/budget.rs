//! One memory budget for everything the derived views of one frame expand:
//! decompressed record batches, readable copies of keys, values and
//! headers, and the JSON objects of records. See docs/JSON.md, "Bounds".

/// The default budget is this many times the frame's size ...
pub const DEFAULT_FACTOR: usize = 64;
/// ... but at least this much (1 MiB: small frames of compressed data) ...
pub const DEFAULT_FLOOR: usize = 1 << 20;
/// ... and at most this much (256 MiB).
pub const DEFAULT_CAP: usize = 256 << 20;

/// How much the views of one frame may expand, in bytes: the CLI's
/// `--max-decompressed`, the proxy's and the browser page's option of the
/// same name. `None` is the default, [`default_budget`] of the frame's size.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DecodeOptions {
    /// The budget in bytes for every frame, or `None` for the default.
    pub max_decompressed: Option<usize>,
}

impl DecodeOptions {
    /// Options with a fixed budget of `bytes` per frame.
    pub fn max_decompressed(bytes: usize) -> Self {
        Self {
            max_decompressed: Some(bytes),
        }
    }

    /// A fresh budget for a frame of `frame_len` bytes.
    pub fn budget(&self, frame_len: usize) -> Budget {
        Budget::for_frame(frame_len, self.max_decompressed)
    }
}

/// The default budget of a frame of `frame_len` bytes:
/// `clamp(64 × frame_len, 1 MiB, 256 MiB)`.
pub fn default_budget(frame_len: usize) -> usize {
    frame_len
        .saturating_mul(DEFAULT_FACTOR)
        .clamp(DEFAULT_FLOOR, DEFAULT_CAP)
}

/// What is left of one frame's budget. Charges only grow: bytes charged are
/// never given back, so the total work of a frame's views is bounded too.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    limit: usize,
    used: usize,
    /// Whether something was refused (the view shows `_truncated`).
    refused: bool,
}

impl Budget {
    /// A budget of `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            used: 0,
            refused: false,
        }
    }

    /// The budget of a frame of `frame_len` bytes: `max` when given, else
    /// [`default_budget`].
    pub fn for_frame(frame_len: usize, max: Option<usize>) -> Self {
        Self::new(max.unwrap_or_else(|| default_budget(frame_len)))
    }

    /// The limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Bytes charged so far.
    pub fn used(&self) -> usize {
        self.used
    }

    /// Bytes left.
    pub fn remaining(&self) -> usize {
        self.limit.saturating_sub(self.used)
    }

    /// Whether some view was cut short.
    pub fn refused(&self) -> bool {
        self.refused
    }

    /// Charges `n` bytes if they fit; `false` (and nothing charged) if not.
    pub fn try_charge(&mut self, n: usize) -> bool {
        if n <= self.remaining() {
            self.used += n;
            true
        } else {
            self.refused = true;
            false
        }
    }

    /// Charges `n` bytes that were already spent within the remaining room.
    pub(crate) fn charge(&mut self, n: usize) {
        self.used = self.used.saturating_add(n).min(self.limit);
    }

    /// Marks the budget as spent (a decompression did not fit): later
    /// batches of the frame show only their headers.
    pub(crate) fn exhaust(&mut self) {
        self.refused = true;
        self.used = self.limit;
    }

    /// The `_truncated` text: `what` followed by this budget's figures.
    pub(crate) fn why(&self, what: &str) -> String {
        format!(
            "{what} this frame's view budget of {} bytes ({} used; raise it with --max-decompressed); \
             the base64 beside this view holds every byte",
            self.limit, self.used
        )
    }
}

/// Parses a size for `--max-decompressed`: bytes, or a number with a
/// suffix `K`, `M` or `G` (powers of 1024; `KiB`, `MB`, ... are read the
/// same way), e.g. `65536`, `64M`, `1GiB`.
pub fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (n, unit) = t.split_at(digits);
    let n: usize = n
        .parse()
        .map_err(|_| format!("{s:?}: expected a size such as 65536, 64M or 1G"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (use K, M or G)")),
    };
    n.checked_mul(1usize << shift)
        .ok_or_else(|| format!("{s:?}: too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("0"), Ok(0));
        assert!(parse_size("12X").is_err());
        assert!(parse_size("").is_err());
    }

    #[test]
    fn the_default_is_64_times_the_frame_within_1_and_256_mib() {
        assert_eq!(default_budget(0), 1 << 20);
        assert_eq!(default_budget(60_220), 60_220 * 64);
        assert_eq!(default_budget(100 << 20), 256 << 20);
    }
}
