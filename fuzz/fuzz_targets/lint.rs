#![no_main]
//! See `nginx_wslint_fuzz::lint` (fuzz/src/lib.rs) for what is checked.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    nginx_wslint_fuzz::lint(data);
});
