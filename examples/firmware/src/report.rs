//! Lines to the host over semihosting stderr, without `core::fmt` (which
//! would cost more flash than the producer's logic).

use cortex_m_semihosting::hio::{self, HostStream};

/// A line being written to the host's stderr.
pub struct Line(Option<HostStream>);

impl Line {
    /// Starts a line with `tag`.
    pub fn new(tag: &str) -> Self {
        let mut l = Line(hio::hstderr().ok());
        l.s("[fw] ").s(tag);
        l
    }

    /// Appends text.
    pub fn s(&mut self, s: &str) -> &mut Self {
        if let Some(h) = self.0.as_mut() {
            let _ = h.write_all(s.as_bytes());
        }
        self
    }

    /// Appends a decimal number.
    pub fn n(&mut self, v: i64) -> &mut Self {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        let mut u = v.unsigned_abs();
        loop {
            i -= 1;
            buf[i] = b'0' + (u % 10) as u8;
            u /= 10;
            if u == 0 {
                break;
            }
        }
        if v < 0 {
            self.s("-");
        }
        if let Some(h) = self.0.as_mut() {
            let _ = h.write_all(&buf[i..]);
        }
        self
    }

    /// Ends the line.
    pub fn end(&mut self) {
        self.s("\n");
    }
}
