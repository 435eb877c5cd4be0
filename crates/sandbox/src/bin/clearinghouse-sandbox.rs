//! The sandbox helper on its own: reads a run spec on stdin, writes the outcome on stdout.
fn main() {
    clearinghouse_sandbox::helper::main()
}
