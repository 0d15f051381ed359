//! Puts `memory.x` (and an empty `device.x`) where the linker finds them; adds defmt's linker script
//! when the `defmt` feature is on.
fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    std::fs::copy("memory.x", out.join("memory.x")).unwrap();
    // cortex-m-rt's `device` feature includes a `device.x` of interrupt
    // handler names; src/vectors.rs has no handlers, so it is empty.
    std::fs::write(out.join("device.x"), "").unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-changed=memory.x");
    if std::env::var_os("CARGO_FEATURE_DEFMT").is_some() {
        println!("cargo:rustc-link-arg=-Tdefmt.x");
    }
}
