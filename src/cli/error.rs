//! How an error message reaches the terminal.

/// An error message as it may reach a terminal or a CI log: it can quote the input
/// (a file name, a header name, a parser's words), so secrets are masked and control
/// characters escaped, as in a diagnosis; on one line.
pub(crate) fn shown_error(what: impl std::fmt::Display) -> String {
    let text = apidiag::mask::mask_owned(what.to_string());
    apidiag::sanitize::sanitize(&text).into_owned()
}
