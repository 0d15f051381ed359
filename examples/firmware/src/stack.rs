//! The stack's high-water mark: cortex-m-rt's `paint-stack` fills the stack
//! with 0xCCCC_CCCC before `main`; the lowest word no longer painted marks
//! the deepest the stack went.

extern "C" {
    static _stack_start: u32;
    static _stack_end: u32;
}

/// Bytes of stack used so far at most.
pub fn peak() -> usize {
    let top = core::ptr::addr_of!(_stack_start) as usize;
    let mut p = core::ptr::addr_of!(_stack_end) as usize;
    while p < top {
        // SAFETY: between the linker's stack bounds, word-aligned.
        let w = unsafe { core::ptr::read_volatile(p as *const u32) };
        if w != cortex_m_rt::STACK_PAINT_VALUE {
            break;
        }
        p += 4;
    }
    top - p
}

/// Writes `[fw] stack-peak N` to semihosting stderr (no `core::fmt`, no
/// 64-bit division: what the minimal binary needs of a report).
#[allow(dead_code)]
pub fn report_peak() {
    let mut line = *b"[fw] stack-peak 000000\n";
    let mut v = peak() as u32;
    for d in line[16..22].iter_mut().rev() {
        *d = b'0' + (v % 10) as u8;
        v /= 10;
    }
    if let Ok(mut h) = cortex_m_semihosting::hio::hstderr() {
        let _ = h.write_all(&line);
    }
}
