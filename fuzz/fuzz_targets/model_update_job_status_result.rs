#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| cos_batch_fuzz::model::update_job_status_result(data));
