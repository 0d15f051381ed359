//! `defmt` logging behind the `defmt` feature; without it the macros
//! evaluate nothing and cost nothing.

#[cfg(feature = "defmt")]
macro_rules! info {
    ($($t:tt)*) => { defmt::info!($($t)*) };
}
#[cfg(feature = "defmt")]
macro_rules! warn {
    ($($t:tt)*) => { defmt::warn!($($t)*) };
}

#[cfg(not(feature = "defmt"))]
macro_rules! info {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {{ $( let _ = &$arg; )* }};
}
#[cfg(not(feature = "defmt"))]
macro_rules! warn {
    ($fmt:literal $(, $arg:expr)* $(,)?) => {{ $( let _ = &$arg; )* }};
}
