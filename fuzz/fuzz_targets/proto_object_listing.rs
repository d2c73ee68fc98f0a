#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cos_batch_fuzz::proto::object_listing(data));
