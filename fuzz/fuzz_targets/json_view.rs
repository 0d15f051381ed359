//! JSON views of frames (what `kio decode`, `kio inspect`, the proxy and
//! the browser show), with both codecs: the first byte picks request (even)
//! or response (odd, then two bytes pick the API and version). Run with a
//! small -malloc_limit_mb / -rss_limit_mb (scripts/fuzz.sh does): the view
//! budget must keep every frame's JSON far below them.
#![no_main]
use kio_json::DecodeOptions;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else {
        return;
    };
    let (frame, ctx) = if k % 2 == 0 {
        (rest, None)
    } else {
        let Some((api, version, frame)) = kio_fuzz::pick(rest) else {
            return;
        };
        (frame, Some((api, version)))
    };
    let opts = DecodeOptions::default();
    let a = kio_json::decode_frame_with(frame, ctx, &opts);
    let b = kio_json::dynamic::decode_frame_with(frame, ctx, &opts);
    assert_eq!(a.is_ok(), b.is_ok(), "the codecs disagree");
    if let (Ok(a), Ok(b)) = (a, b) {
        assert_eq!(a, b, "the codecs' JSON differ");
        let text = serde_json::to_string(&a).expect("serializes");
        let _ = kio_json::encode(&a).expect("re-encodes");
        std::hint::black_box(text);
    }
});
