//! The binary's modules.

pub mod args;
pub mod complete;
pub mod man;
pub mod run;
