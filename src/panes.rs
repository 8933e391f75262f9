//! panes
