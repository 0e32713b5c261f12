//! Whole-output cases: `tests/cmd/NAME.toml` names the arguments (and `NAME.stdin` the
//! input); `NAME.stdout`, `NAME.stderr` and the status hold the complete expected
//! result. After an intended change of output, rewrite them with
//! `TRYCMD=overwrite cargo test --test cases` and read the diff before committing.

#[path = "integration/common.rs"]
mod common;

#[test]
fn cases() {
    // The cases run in this process's environment: nothing from the caller's colour or
    // rule settings may leak into them. Safe here: no other thread runs yet.
    for var in common::CALLER_SETTINGS {
        unsafe { std::env::remove_var(var) };
    }
    trycmd::TestCases::new()
        .env("HOME", env!("CARGO_MANIFEST_DIR"))
        .case("tests/cmd/*.toml");
}
