//! Frames: size-prefixed requests and responses over streams.
