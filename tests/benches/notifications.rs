//! Benchmark of the notification agent (see docs/performance.md); filled in by the next commit.

fn main() {}
