//! Writing to stdout: a closed pipe (`kio inspect | head`) ends the program
//! quietly instead of panicking.

use std::io::{self, Write};

use crate::Failure;

/// Writes `s` to stdout; a broken pipe exits with status 0.
pub fn write(s: &[u8]) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(s).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => Err(Failure::input(format!("cannot write to stdout: {e}"))),
    }
}

/// Writes one line (a newline is added).
pub fn line(s: &str) -> Result<(), Failure> {
    let mut v = Vec::with_capacity(s.len() + 1);
    v.extend_from_slice(s.as_bytes());
    v.push(b'\n');
    write(&v)
}
