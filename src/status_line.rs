//! status_line
