//! Cuts one direction's reassembled byte stream into Kafka frames.

use std::time::Duration;

use crate::IssueKind;

/// A frame cut from the stream (direction is added by the caller).
#[derive(Debug)]
pub(crate) struct RawFrame {
    pub payload: Vec<u8>,
    pub timestamp: Option<Duration>,
    pub stream_offset: u64,
    pub packet_index: usize,
    pub last_packet_index: usize,
}

/// Where the first byte of the frame being read came from.
#[derive(Clone, Copy, Debug)]
struct Start {
    offset: u64,
    packet_index: usize,
    timestamp: Option<Duration>,
}

#[derive(Debug)]
enum State {
    /// Reading a size prefix; `n` of its 4 bytes are in `buf`.
    Prefix {
        buf: [u8; 4],
        n: usize,
        start: Option<Start>,
    },
    /// Reading a frame body of `size` bytes; `got` of them have passed
    /// (including those lost in gaps when `damaged`).
    Body {
        start: Start,
        size: u32,
        got: u64,
        buf: Vec<u8>,
        damaged: bool,
    },
    /// Frame boundaries are unknown from `since` on.
    Lost { since: u64, skipped: u64 },
}

#[derive(Debug)]
pub(crate) struct Framer {
    max_frame_len: u32,
    /// Stream offset of the next byte.
    pos: u64,
    state: State,
    pub frames: Vec<RawFrame>,
    /// Issues with the packet index they concern, if any.
    pub issues: Vec<(Option<usize>, IssueKind)>,
}

impl Framer {
    pub fn new(max_frame_len: u32) -> Self {
        Framer {
            max_frame_len,
            pos: 0,
            state: State::Prefix {
                buf: [0; 4],
                n: 0,
                start: None,
            },
            frames: Vec::new(),
            issues: Vec::new(),
        }
    }

    /// Feeds bytes that start at the current stream position.
    pub fn push(&mut self, mut data: &[u8], packet_index: usize, timestamp: Option<Duration>) {
        while !data.is_empty() {
            match &mut self.state {
                State::Prefix { buf, n, start } => {
                    let st = *start.get_or_insert(Start {
                        offset: self.pos,
                        packet_index,
                        timestamp,
                    });
                    let take = (4 - *n).min(data.len());
                    buf[*n..*n + take].copy_from_slice(&data[..take]);
                    *n += take;
                    data = &data[take..];
                    self.pos += take as u64;
                    if *n == 4 {
                        let size = i32::from_be_bytes(*buf);
                        if size < 0 || size as u32 > self.max_frame_len {
                            self.issues.push((
                                Some(st.packet_index),
                                IssueKind::InvalidFrameSize {
                                    stream_offset: st.offset,
                                    size,
                                },
                            ));
                            self.state = State::Lost {
                                since: st.offset,
                                skipped: 4,
                            };
                        } else {
                            self.state = State::Body {
                                start: st,
                                size: size as u32,
                                got: 0,
                                buf: Vec::new(),
                                damaged: false,
                            };
                            self.complete_if_done(packet_index);
                        }
                    }
                }
                State::Body {
                    size,
                    got,
                    buf,
                    damaged,
                    ..
                } => {
                    let remaining = u64::from(*size) - *got;
                    let take = remaining.min(data.len() as u64) as usize;
                    if !*damaged {
                        // Grows with the bytes that exist, never by the
                        // declared size.
                        buf.extend_from_slice(&data[..take]);
                    }
                    *got += take as u64;
                    data = &data[take..];
                    self.pos += take as u64;
                    self.complete_if_done(packet_index);
                }
                State::Lost { skipped, .. } => {
                    *skipped += data.len() as u64;
                    self.pos += data.len() as u64;
                    data = &[];
                }
            }
        }
    }

    fn complete_if_done(&mut self, packet_index: usize) {
        let State::Body {
            start,
            size,
            got,
            buf,
            damaged,
        } = &mut self.state
        else {
            return;
        };
        if *got < u64::from(*size) {
            return;
        }
        if *damaged {
            self.issues.push((
                Some(start.packet_index),
                IssueKind::DamagedFrame {
                    stream_offset: start.offset,
                    declared_len: *size,
                },
            ));
        } else {
            self.frames.push(RawFrame {
                payload: std::mem::take(buf),
                timestamp: start.timestamp,
                stream_offset: start.offset,
                packet_index: start.packet_index,
                last_packet_index: packet_index,
            });
        }
        self.state = State::Prefix {
            buf: [0; 4],
            n: 0,
            start: None,
        };
    }

    /// `len` bytes at the current position were never captured.
    pub fn gap(&mut self, len: u64) {
        if len == 0 {
            return;
        }
        let gap_start = self.pos;
        self.pos = self.pos.saturating_add(len);
        match &mut self.state {
            State::Body {
                start,
                size,
                got,
                buf,
                damaged,
            } if len <= u64::from(*size) - *got => {
                // The gap lies inside this frame: the frame is lost but the
                // next boundary is still known.
                *damaged = true;
                *got += len;
                *buf = Vec::new();
                // A gap that ends exactly at the frame's end completes it.
                let last = start.packet_index;
                self.complete_if_done(last);
            }
            State::Lost { .. } => {}
            _ => {
                // A frame boundary falls inside the gap (or the gap starts
                // at one): the following bytes cannot be aligned.
                let (since, skipped) = match &self.state {
                    State::Prefix {
                        start: Some(s), n, ..
                    } => (s.offset, *n as u64),
                    State::Body { start, got, .. } => (start.offset, 4 + *got),
                    _ => (gap_start, 0),
                };
                self.state = State::Lost { since, skipped };
            }
        }
    }

    /// The stream ended; reports a frame left incomplete.
    pub fn finish(&mut self) {
        match &self.state {
            State::Prefix { n, start, .. } => {
                if let (true, Some(s)) = (*n > 0, start) {
                    self.issues.push((
                        Some(s.packet_index),
                        IssueKind::TruncatedFrame {
                            stream_offset: s.offset,
                            declared_len: None,
                            available: *n as u64,
                        },
                    ));
                }
            }
            State::Body {
                start, size, got, ..
            } => self.issues.push((
                Some(start.packet_index),
                IssueKind::TruncatedFrame {
                    stream_offset: start.offset,
                    declared_len: Some(*size),
                    available: 4 + *got,
                },
            )),
            State::Lost { since, skipped } => self.issues.push((
                None,
                IssueKind::FrameSyncLost {
                    stream_offset: *since,
                    skipped_bytes: *skipped,
                },
            )),
        }
        self.state = State::Prefix {
            buf: [0; 4],
            n: 0,
            start: None,
        };
    }
}
