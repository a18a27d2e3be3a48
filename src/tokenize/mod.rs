//! Token chain (being implemented).
