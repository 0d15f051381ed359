//! The device part of the vector table. This firmware enables no
//! interrupt (the UART and SysTick are polled), so the table holds one
//! reserved entry (cortex-m-rt wants the table to reach past the 16
//! exception vectors) instead of cortex-m-rt's default of 240 entries
//! (960 bytes of flash). A firmware with interrupts gets this table from its
//! board's peripheral access crate instead.

/// One reserved (zero) entry: IRQ 0 is never enabled.
#[link_section = ".vector_table.interrupts"]
#[no_mangle]
#[used]
pub static __INTERRUPTS: [usize; 1] = [0];
