//! Reading rows (placeholder module: being implemented).
