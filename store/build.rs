//! `sqlx::migrate!` reads migrations/ at compile time; cargo does not notice a new file there
//! by itself, so a new migration would be missed by an incremental build without this.

fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
