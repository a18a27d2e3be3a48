//! Unit tests for the individual rules (see also `tests/clean.rs` for whole pages).

use super::*;
