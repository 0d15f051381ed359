//! Frame counts, per direction, per connection and for the whole proxy.

use serde_json::{json, Value};

use crate::json::Kind;

/// Frame counts of one direction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DirectionCounts {
    /// Frames forwarded (counted once the write to the other side succeeded).
    pub frames: u64,
    /// Bytes forwarded (original frames, size prefixes included).
    pub bytes: u64,
    /// Frames whose JSON re-encoded to the original bytes.
    pub identical: u64,
    /// Frames whose JSON re-encoded to different bytes (or failed to).
    pub mismatches: u64,
    /// Frames that did not decode.
    pub decode_errors: u64,
    /// Responses forwarded with rewritten broker addresses.
    pub rewritten: u64,
    /// Frames whose bytes are not canonical (`_nonCanonical` in their log
    /// line; their JSON re-encodes to the canonical form).
    pub non_canonical: u64,
}

impl DirectionCounts {
    fn to_json(self) -> Value {
        json!({
            "frames": self.frames,
            "bytes": self.bytes,
            "identical": self.identical,
            "mismatches": self.mismatches,
            "decodeErrors": self.decode_errors,
            "rewritten": self.rewritten,
            "nonCanonical": self.non_canonical,
        })
    }

    fn add(&mut self, o: &DirectionCounts) {
        self.frames += o.frames;
        self.bytes += o.bytes;
        self.identical += o.identical;
        self.mismatches += o.mismatches;
        self.decode_errors += o.decode_errors;
        self.rewritten += o.rewritten;
        self.non_canonical += o.non_canonical;
    }
}

/// Counts of both directions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Client → broker.
    pub requests: DirectionCounts,
    /// Broker → client.
    pub responses: DirectionCounts,
}

impl Counts {
    /// `{"requests": {...}, "responses": {...}}`.
    pub fn to_json(self) -> Value {
        json!({ "requests": self.requests.to_json(), "responses": self.responses.to_json() })
    }

    /// The counts of one direction.
    pub fn of(&mut self, kind: Kind) -> &mut DirectionCounts {
        match kind {
            Kind::Request => &mut self.requests,
            Kind::Response => &mut self.responses,
        }
    }

    /// Adds `o` to these counts.
    pub fn add(&mut self, o: &Counts) {
        self.requests.add(&o.requests);
        self.responses.add(&o.responses);
    }
}
