//! JSON views of frames (what `kio decode`, `kio inspect`, the proxy and
//! the browser show), with both codecs: the first byte picks request (even)
//! or response (odd, then two bytes pick the API and version). Run with a
//! small -malloc_limit_mb / -rss_limit_mb (scripts/fuzz.sh does): the view
//! budget must keep every frame's JSON far below them.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kio_fuzz::checks::json_view(data));
