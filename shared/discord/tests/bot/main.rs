//! The state store on both adapters, and the dispatcher's role checks for commands and buttons.

mod dispatch;
mod rest;
mod state;
