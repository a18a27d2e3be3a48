//! Learners (placeholder module: being implemented).
