//! The integration tests, one binary (as ripgrep and fd keep them): each module is one
//! area of the tool as a user or an embedding program meets it.

mod common;

mod batch_har;
mod batch_ndjson;
mod cli;
mod completions;
mod determinism;
mod documented;
mod e2e_curl;
mod evidence;
mod hardening_cli;
mod hardening_contract;
mod hardening_input;
mod hardening_output;
mod hardening_secrets;
mod help;
mod hostile;
mod json_render;
mod merge;
mod packs;
mod parallel;
mod properties;
mod read_focused;
mod read_proptest;
mod read_transcripts;
mod rule_faults;
mod rule_table;
mod run_wrapper;
mod schemas;
mod secrets;
mod transcript_chains;
mod vendor_corpus;
mod vendor_vocabulary;
