#![allow(dead_code)]
pub mod fault_proxy;
pub mod faults;
pub mod inputs;
pub mod lab;
pub mod report_schema;
pub mod state;
pub mod tmux;
