//! Test support shared by kio-core's integration tests.
#![allow(dead_code)]

pub mod gen;
pub mod kafka_json;
pub mod records;
