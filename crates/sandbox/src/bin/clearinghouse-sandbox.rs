//! The sandbox helper on its own: reads a run spec (from the file named as its argument, or from
//! stdin), writes the outcome on stdout.
fn main() {
    clearinghouse_sandbox::helper::main(std::env::args_os().nth(1))
}
