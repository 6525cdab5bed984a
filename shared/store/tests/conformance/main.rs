//! The store conformance suite: the same assertions against the embedded adapter and against
//! a real DynamoDB-compatible server (moto's server mode, started by `scripts/test.sh`).

mod limits;
mod persistence;
mod suite;
